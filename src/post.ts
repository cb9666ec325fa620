import { cleanup } from './action/post.js';

void cleanup();
