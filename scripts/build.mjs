// Bundles the three entry points into committed dist/ files (check-dist compares them in CI).
// ESM output for node20 (GitHub runs node24; a user's CLI may be node20). Bundled CommonJS
// dependencies call require() at run time, so each bundle defines it from import.meta.url.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
const banner = {
  js: "import { createRequire as __gateCreateRequire } from 'node:module'; const require = __gateCreateRequire(import.meta.url);",
};
const entries = [
  { in: 'src/index.ts', out: 'index' },
  { in: 'src/post.ts', out: 'post' },
  { in: 'src/cli.ts', out: 'cli' },
];
await build({
  entryPoints: entries,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  banner,
  legalComments: 'none',
  logLevel: 'warning',
  charset: 'utf8',
});
