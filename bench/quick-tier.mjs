// The quick tier on TorchAcc's recorded runs (examples/recorded): for each recorded candidate
// against the eager baseline, the full gate and `run --quick` (default N = 10 % of max_steps),
// replayed at the recorded pace (speed 1), with the baseline taken from the cache after the first
// run. Prints a Markdown table: verdicts, and the candidate training stage's wall time.
// Usage: npm run build && node bench/quick-tier.mjs [--speed 1]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const speed = process.argv.includes('--speed') ? process.argv[process.argv.indexOf('--speed') + 1] : '1';
const replay = path.join(root, 'examples', 'demo', 'replay-train.mjs');
const recorded = path.join(root, 'examples', 'recorded');
const dir = mkdtempSync(path.join(os.tmpdir(), 'gate-quick-tier-'));
mkdirSync(path.join(dir, 'model'));
writeFileSync(path.join(dir, 'model', 'config.json'), '{"model_type": "llama"}\n');
const train = (run) => JSON.stringify([process.execPath, replay, '--run', path.join(recorded, run), '--output', '{output}', '--speed', speed]);

function gate(candidate, quick) {
  const cfg = path.join(dir, `${candidate}.yml`);
  writeFileSync(
    cfg,
    [
      `name: quick-tier`,
      `model: ${path.join(dir, 'model')}`,
      `workdir: ${dir}`,
      `result-dir: result-${candidate}-${quick ? 'quick' : 'full'}`,
      `cache: { enabled: true, dir: ${path.join(dir, 'cache')}, write-on: always }`,
      `arms:`,
      `  baseline: { label: Torch, slug: torch, train: ${train('eager')} }`,
      `  candidate: { label: TorchAcc, slug: acc, train: ${train(candidate)} }`,
    ].join('\n'),
  );
  const args = [path.join(root, 'dist', 'cli.js'), 'run', '--config', cfg, '--write-cache', ...(quick ? ['--quick'] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const rootDir = path.join(dir, `result-${candidate}-${quick ? 'quick' : 'full'}`);
  const [run] = readdirSync(rootDir).filter((n) => /^\d{8}_\d{6}/.test(n));
  const s = JSON.parse(readFileSync(path.join(rootDir, run, 'summary.json'), 'utf8'));
  const stage = s.stages.find((x) => x.id === 'train-candidate');
  return { code: r.status, verdict: s.verdict, seconds: stage?.seconds, headline: s.headline };
}

gate('eager-rerun', false); // fills the baseline cache
const rows = ['| candidate | full gate | full: candidate s | quick tier | quick: candidate s | quick / full |', '|---|---|---|---|---|---|'];
for (const c of ['eager-rerun', 'compile', 'data-seed-2', 'lr-0.8', 'lr-0.95', 'diverge', 'nan']) {
  const full = gate(c, false);
  const quick = gate(c, true);
  const ratio = full.seconds && quick.seconds ? (quick.seconds / full.seconds).toFixed(2) : '—';
  rows.push(
    `| ${c} | ${full.verdict.toUpperCase()} | ${full.seconds?.toFixed(1)} | ${quick.verdict.toUpperCase()} | ${quick.seconds?.toFixed(1)} | ${ratio} |`,
  );
  console.error(`${c}: full ${full.headline}\n${c}: quick ${quick.headline}`);
}
console.log(rows.join('\n'));
