// Bundles the three entry points into committed dist/ files (check-dist compares them in CI).
// ESM output for node20 (GitHub runs node24; a user's CLI may be node20). Bundled CommonJS
// dependencies call require() at run time, so each bundle defines it from import.meta.url.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

// No `rm -rf dist` first: the three outputs are always rewritten, and a process running a bundle
// (a test, a CLI) never sees the folder vanish mid-build.
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
  define: { __GATE_VERSION__: JSON.stringify(version) },
});
