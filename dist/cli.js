#!/usr/bin/env node
import { createRequire as __gateCreateRequire } from 'node:module'; const require = __gateCreateRequire(import.meta.url);

// src/cli/main.ts
async function main(_argv) {
  return 0;
}

// src/cli.ts
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
