import { createRequire as __gateCreateRequire } from 'node:module'; const require = __gateCreateRequire(import.meta.url);

// src/action/post.ts
async function cleanup() {
}

// src/post.ts
void cleanup();
