import { createRequire as __gateCreateRequire } from 'node:module'; const require = __gateCreateRequire(import.meta.url);

// src/action/main.ts
async function run() {
}

// src/index.ts
void run();
