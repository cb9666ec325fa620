// npm run bench: (1) the engine on a synthetic 100k-step run pair + 1,600 judgments (target < 1 s,
// < 200 MB; the speed bounds unit tests used to assert live here), and report.md of an oversized result; (2) the runner on a scaled simulated workload: wall time vs run.sh's sequential
// pipeline, with and without the cache and with parallel arms; time-to-fail of a diverging
// candidate as a fraction of its full training time. Prints tables; exits non-zero on a missed target.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'gate-bench-run-'));
let failed = false;

// This machine's speed, to read the numbers against: a plain JS loop and a bare read + JSON.parse
// of one 15 MB trainer_state.json (the floor under the reader).
const ref = spawnSync(process.execPath, ['-e', 'const t=performance.now();let x=0;for(let i=0;i<1e8;i++)x+=i;console.log(performance.now()-t)'], {
  encoding: 'utf8',
});
const loopMs = Number(ref.stdout.trim());

// (1) Engine.
const bundle = path.join(tmp, 'engine.mjs');
await build({
  entryPoints: [path.join(root, 'bench', 'engine.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: bundle,
  logLevel: 'warning',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const data = path.join(tmp, 'engine-data');
mkdirSync(data);
const gen = spawnSync(process.execPath, [bundle, '--generate', data], { encoding: 'utf8' });
if (gen.status !== 0) throw new Error(gen.stderr);
// Peak RSS hangs on one V8 heuristic (docs/bench-rss.md): most runs keep the young generation at
// 2 x 16 MB semi-spaces; in some (about 1 in 5, more on a loaded machine) V8 grows it to 2 x 32 MB
// during the read, for the same live heap, and the peak is 35 - 40 MB higher. So each memory row runs
// 5 times both ways: with the young generation held at the 16 MB that most runs keep
// (--max-semi-space-size=16), whose peak follows what the engine retains and is the gated number
// (every run < 200 MB); and as the action runs it (no flags), gated on the median, each run printed.
const RUNS = 5;
const HELD = ['--max-semi-space-size=16'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (xs) => xs.map((x) => x.toFixed(0)).join(', ');
function engineRun(flags) {
  const r = spawnSync(process.execPath, [...flags, bundle, data], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}
const heldRuns = [];
const freeRuns = [];
for (let i = 0; i < RUNS; i++) {
  // Interleaved: a burst of load on the machine lands on both alike.
  heldRuns.push(engineRun(HELD));
  freeRuns.push(engineRun([]));
}
const best = [...freeRuns].sort((a, b) => a.totalMs - b.totalMs)[0];
const heldPeaks = heldRuns.map((r) => r.maxRssMb);
const freePeaks = freeRuns.map((r) => r.maxRssMb);
const grown = freeRuns.filter((r) => r.youngGenMb > 32).length;
console.log(`\n== engine: read + check + report (best of ${RUNS}; peak RSS of the whole process)`);
console.log(`steps per arm ${best.steps}, judgments ${best.judgments}, verdict ${best.verdict}`);
console.log(
  `read ${best.readMs.toFixed(0)} ms, check ${best.checkMs.toFixed(0)} ms, report ${best.reportMs.toFixed(0)} ms: total ${best.totalMs.toFixed(0)} ms (target < 1000 ms)`,
);
console.log(`peak RSS, young generation held at 2 x 16 MB: ${mb(heldPeaks)} MB, max ${Math.max(...heldPeaks).toFixed(0)} MB (target < 200 MB)`);
console.log(
  `peak RSS as the action runs it: ${mb(freePeaks)} MB, median ${median(freePeaks).toFixed(0)} MB (target < 200 MB); V8 grew the young generation to 2 x 32 MB in ${grown} of ${RUNS}`,
);
const floor = spawnSync(
  process.execPath,
  [
    '-e',
    `const fs=require('fs');const t=performance.now();for(const a of ['torch_ckpt','acc_ckpt'])JSON.parse(fs.readFileSync(${JSON.stringify(data)}+'/'+a+'/trainer_state.json','utf8'));console.log(performance.now()-t)`,
  ],
  { encoding: 'utf8' },
);
console.log(
  `this machine: a 1e8-iteration JS loop takes ${loopMs.toFixed(0)} ms; bare readFileSync + JSON.parse of both trainer_state files ${Number(floor.stdout).toFixed(0)} ms (the floor under "read")`,
);
console.log(`report.md of an oversized result (500 checks, 2,000 provenance keys): ${best.hugeReportMs.toFixed(0)} ms (target < 5000 ms)`);
if (best.totalMs >= 1000 || Math.max(...heldPeaks) >= 200 || median(freePeaks) >= 200 || best.hugeReportMs >= 5000) failed = true;

// (1b) The same inputs through the product: `accuracy-gate compare` from dist/, writing every
// result file; peak RSS of that process, start-up included (a preload prints it at exit).
const rssHook = path.join(tmp, 'rss-hook.mjs');
writeFileSync(rssHook, "process.on('exit', () => process.stderr.write(`maxrss ${process.resourceUsage().maxRSS}\\n`));\n");
function productRun(flags, i) {
  const r = spawnSync(
    process.execPath,
    [
      ...flags,
      '--import',
      rssHook,
      path.join(root, 'dist', 'cli.js'),
      'compare',
      '--baseline-run',
      path.join(data, 'torch_ckpt'),
      '--candidate-run',
      path.join(data, 'acc_ckpt'),
      '--mtbench',
      path.join(data, 'gpt-4_single.jsonl'),
      '--baseline-model-id',
      'model_3',
      '--candidate-model-id',
      'model_4',
      '--original-model-id',
      'model_0',
      '--out',
      path.join(tmp, `compare-${i}`),
    ],
    { encoding: 'utf8' },
  );
  const kb = Number(/maxrss (\d+)/.exec(r.stderr)?.[1]);
  if (r.status !== 0 || !Number.isFinite(kb)) throw new Error(`accuracy-gate compare exited ${r.status}: ${r.stderr}`);
  return kb / 1024;
}
const productHeld = [];
const productFree = [];
for (let i = 0; i < RUNS; i++) {
  productHeld.push(productRun(HELD, `held-${i}`));
  productFree.push(productRun([], `free-${i}`));
}
console.log(`accuracy-gate compare on the same inputs (${process.version}, result files written), peak RSS (target < 200 MB):`);
console.log(`  young generation held at 2 x 16 MB: ${mb(productHeld)} MB, max ${Math.max(...productHeld).toFixed(0)} MB`);
console.log(`  as the action runs it: ${mb(productFree)} MB, median ${median(productFree).toFixed(0)} MB`);
if (Math.max(...productHeld) >= 200 || median(productFree) >= 200) failed = true;

// (2) Runner on a scaled workload: the timings in TorchAcc's benchmarks/accuracy README / 1000 (train 2552.8 s and 2272.1 s;
// MT-Bench per model assumed 600 s: generation + 160 judge calls).
const SCALE = 1000;
const T = { trainBase: 2552.8 / SCALE, trainCand: 2272.1 / SCALE, evalEach: 600 / SCALE };
const recorded = path.join(root, 'examples', 'recorded');
const cli = path.join(root, 'dist', 'cli.js');
const work = path.join(tmp, 'work');
mkdirSync(path.join(work, 'model'), { recursive: true });
writeFileSync(path.join(work, 'model', 'config.json'), '{}');
// FastChat ships question.jsonl before any run (the questions are part of the cache key); the
// stand-in writes it only when absent: write it first, as a FastChat checkout has it.
spawnSync(process.execPath, [
  path.join(root, 'examples', 'demo', 'replay-mtbench.mjs'),
  '--checkpoint',
  path.join(work, 'model'),
  '--judgments',
  path.join(tmp, 'unused.jsonl'),
  '--questions',
  path.join(work, 'j', 'question.jsonl'),
]);
// A stand-in trainer: sleeps its scaled time, then writes the recorded HF outputs.
const train = (secs, run) => `sleep ${secs.toFixed(3)} && mkdir -p {output} && cp ${path.join(recorded, run)}/*.json* {output}/`;
const evalCmd = `sleep ${T.evalEach.toFixed(3)} && ${process.execPath} ${path.join(root, 'examples', 'demo', 'replay-mtbench.mjs')} --checkpoint {checkpoint} --role {arm} --judgments j/gpt-4_single.jsonl --questions j/question.jsonl > /dev/null`;
function config(name, extra = {}) {
  const cfg = {
    name,
    model: path.join(work, 'model'),
    workdir: work,
    'result-dir': `result-${name}`,
    arms: {
      baseline: { train: train(T.trainBase, 'eager'), gpus: '0' },
      candidate: { train: extra.candidate ?? train(T.trainCand, 'compile'), gpus: '1' },
    },
    evaluations: {
      // The DAG runs evaluations at once: each gets its model id from the gate (auto would make them take turns).
      mtbench: extra.originalGpus
        ? {
            run: `${evalCmd} --model-id {model_id}`,
            judgments: 'j/gpt-4_single.jsonl',
            questions: 'j/question.jsonl',
            'model-id': '{slug}_{run_id}',
            gpus: extra.originalGpus,
          }
        : { run: evalCmd, judgments: 'j/gpt-4_single.jsonl', questions: 'j/question.jsonl', 'model-id': 'auto' },
    },
    cache: { enabled: true, dir: path.join(work, extra.cacheDir ?? 'cache'), fingerprint: 'echo bench' },
    parallel: !!extra.parallel,
    // Its own lock file: another gate on this machine (a test run) must not add its wait here.
    lock: { file: path.join(work, `${name}.lock`) },
  };
  const file = path.join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(cfg)); // JSON is YAML
  return file;
}
function timed(args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: work });
  return { secs: (performance.now() - t0) / 1000, code: r.status, stderr: r.stderr };
}
const seedSequential = T.trainBase + T.trainCand + 3 * T.evalEach;
const rows = [];
const cold = timed(['run', '--config', config('cold'), '--write-cache']);
rows.push(['gate, sequential, cold cache (stores the baseline)', cold]);
const warm = timed(['run', '--config', config('warm')]);
rows.push(['gate, sequential, cache hit (baseline + original eval reused)', warm]);
const par = timed(['run', '--config', config('parallel', { parallel: true, cacheDir: 'cache-empty' })]);
rows.push(['gate, parallel arms (disjoint GPUs), cold cache', par]);
// Stages as a DAG: the original model's evaluation on its own GPU beside the trainings, each arm's
// evaluation on its arm's GPU as soon as that training ends. Its limit with these GPU sets is the
// longer arm (training + evaluation); the fixed start-up is a run with no GPU stage.
const dag = timed(['run', '--config', config('dag', { parallel: true, cacheDir: 'cache-empty-dag', originalGpus: '2' })]);
rows.push(['gate, stages as a DAG on 3 GPU sets, cold cache', dag]);
const startup = timed(['run', '--config', config('startup'), '--stages', 'compare']).secs;
const dagLimit = Math.max(T.trainBase, T.trainCand) + T.evalEach;
const prLimit = T.trainCand + T.evalEach;
console.log(`\n== runner on a scaled workload (run.sh timings / ${SCALE}): run.sh's sequential pipeline = ${seedSequential.toFixed(2)} s of stage time`);
for (const [what, r] of rows)
  console.log(`${what.padEnd(64)} ${r.secs.toFixed(2)} s (${((r.secs / seedSequential) * 100).toFixed(0)} % of run.sh), exit ${r.code}`);
console.log(`fixed start-up (a run with no GPU stage): ${startup.toFixed(2)} s`);
// The limit from the stage times this run measured (a loaded machine stretches every stage alike).
const stagesOf = (name) => {
  const r = path.join(work, `result-${name}`);
  const last = readdirSync(r)
    .filter((n) => /^\d{8}/.test(n))
    .sort()
    .at(-1);
  const st = JSON.parse(readFileSync(path.join(r, last, 'summary.json'), 'utf8')).stages.filter(
    (x) => x.started_at && x.seconds != null && x.status !== 'cached',
  );
  return Object.fromEntries(st.map((x) => [x.id, { start: Date.parse(x.started_at) / 1000, secs: x.seconds }]));
};
const spanOf = (st) => Math.max(...Object.values(st).map((x) => x.start + x.secs)) - Math.min(...Object.values(st).map((x) => x.start));
const ds = stagesOf('dag');
const dagMeasuredLimit = Math.max(
  ds['train-baseline'].secs + ds['eval-baseline'].secs,
  ds['train-candidate'].secs + ds['eval-candidate'].secs,
  ds['eval-original'].secs,
);
const ws = stagesOf('warm');
const prMeasured = ws['train-candidate'].secs + ws['eval-candidate'].secs;
console.log(
  `DAG stages: span ${spanOf(ds).toFixed(2)} s = ${(spanOf(ds) / dagMeasuredLimit).toFixed(3)} x the limit of the measured stage times (${dagMeasuredLimit.toFixed(2)} s)`,
);
console.log(
  `cached PR gate stages: span ${spanOf(ws).toFixed(2)} s = ${(spanOf(ws) / prMeasured).toFixed(3)} x its train_candidate + eval_candidate (${prMeasured.toFixed(2)} s)`,
);
const dagRatio = (dag.secs - startup) / dagLimit;
console.log(
  `DAG schedule: ${dag.secs.toFixed(2)} s = ${dagRatio.toFixed(3)} x its limit ${dagLimit.toFixed(2)} s (longest arm: training + evaluation) plus start-up (target <= 1.1 x)`,
);
const prRatio = (warm.secs - startup) / prLimit;
console.log(
  `cached PR gate: ${warm.secs.toFixed(2)} s = ${prRatio.toFixed(3)} x (train_candidate + eval_candidate = ${prLimit.toFixed(2)} s) plus start-up (target <= 1.05 x)`,
);
// Gated on the stage spans: the wall ratios carry this machine's load in the start-up.
if (spanOf(ds) / dagMeasuredLimit > 1.1 || spanOf(ws) / prMeasured > 1.05) failed = true;
if (rows.some(([, r]) => r.code !== 0)) {
  failed = true;
  for (const [, r] of rows) if (r.code !== 0) console.log(r.stderr.slice(-2000));
}

// Time-to-fail: the recorded diverging run replayed over the candidate's scaled training time.
const speed = 11.0 / T.trainCand; // the recorded run's tqdm clock ends near 11 s
const replay = (run) => [
  process.execPath,
  path.join(root, 'examples', 'demo', 'replay-train.mjs'),
  '--run',
  path.join(recorded, run),
  '--output',
  '{output}',
  '--speed',
  speed.toFixed(3),
];
const divCfg = config('diverge', { candidate: replay('diverge') });
const full = config('full', { candidate: replay('eager') });
const fullRun = timed(['run', '--config', full, '--stages', 'train-candidate']);
const div = timed(['run', '--config', divCfg, '--stages', 'train-baseline,train-candidate,compare']);
const stageSecs = (name) => {
  const root2 = path.join(work, `result-${name}`);
  const last = readdirSync(root2)
    .filter((n) => /^\d{8}/.test(n))
    .sort()
    .at(-1);
  const s = JSON.parse(readFileSync(path.join(root2, last, 'summary.json'), 'utf8'));
  return { stage: s.stages.find((x) => x.id === 'train-candidate'), abort: s.early_abort, verdict: s.verdict };
};
const f = stageSecs('full');
const d = stageSecs('diverge');
console.log('\n== time-to-fail of a diverging candidate (early abort)');
console.log(
  `full candidate training ${f.stage.seconds.toFixed(2)} s; diverging candidate stopped at step ${d.abort?.step} after ${d.stage.seconds.toFixed(2)} s = ${((d.stage.seconds / f.stage.seconds) * 100).toFixed(0)} % of its full time (verdict ${d.verdict}, exit ${div.code})`,
);
if (div.code !== 1 || !d.abort) failed = true;
process.exitCode = failed ? 1 : 0;
