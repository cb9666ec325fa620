// Engine benchmark: read + check + report of a synthetic 100k-step run pair and 1,600 MT-Bench
// judgments, in one process (bundled by bench/run.mjs). Prints one JSON line.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { loadCompareInputs } from '../src/engine/load-inputs.js';
import { decide } from '../src/engine/decide.js';
import { renderAll } from '../src/engine/result-dir.js';
import { resolvePolicy } from '../src/checks/policy.js';
import { renderReportMarkdown } from '../src/report/report-md.js';
import type { CheckResult } from '../src/model.js';

const STEPS = 100_000;
// `--generate DIR` writes the inputs (in its own process, so their strings don't count in the
// measured run's memory); `DIR` alone measures.
const generate = process.argv[2] === '--generate';
const dir = process.argv[generate ? 3 : 2] ?? mkdtempSync(path.join(os.tmpdir(), 'gate-bench-'));

function writeRun(name: string, offset: number): string {
  const out = path.join(dir, name);
  mkdirSync(out);
  const log: string[] = [];
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let s = 1; s <= STEPS; s++) {
    const loss = 2 + 3 * Math.exp(-s / 5000) + 0.05 * (rand() - 0.5) + offset;
    log.push(
      `    {\n      "epoch": ${(s / STEPS).toFixed(6)},\n      "grad_norm": ${(1 + rand()).toFixed(6)},\n      "learning_rate": 5e-05,\n      "loss": ${loss},\n      "step": ${s}\n    }`,
    );
  }
  log.push(
    `    {\n      "epoch": 1.0,\n      "step": ${STEPS},\n      "train_loss": ${2.09 + offset},\n      "train_runtime": 2552.8,\n      "train_steps_per_second": 39.2\n    }`,
  );
  writeFileSync(
    path.join(out, 'trainer_state.json'),
    `{\n  "global_step": ${STEPS},\n  "log_history": [\n${log.join(',\n')}\n  ],\n  "max_steps": ${STEPS}\n}\n`,
  );
  writeFileSync(path.join(out, 'train_results.json'), JSON.stringify({ train_loss: 2.09 + offset, train_runtime: 2552.8, train_steps_per_second: 39.2 }));
  return out;
}

const baseline = path.join(dir, 'torch_ckpt');
const candidate = path.join(dir, 'acc_ckpt');
const judgments = path.join(dir, 'gpt-4_single.jsonl');
if (generate) {
  writeRun('torch_ckpt', 0);
  writeRun('acc_ckpt', 0.001);
  writeJudgments();
  process.exit(0);
}

// 1,600 judgments: 10 models x 80 questions x 2 turns.
function writeJudgments(): void {
  const rows: string[] = [];
  for (let m = 0; m < 10; m++) {
    for (let q = 81; q <= 160; q++) {
      for (const turn of [1, 2]) {
        rows.push(
          JSON.stringify({
            question_id: q,
            model: `model_${m}`,
            judge: ['gpt-4', 'single-v1'],
            user_prompt: 'x'.repeat(200),
            judgment: 'Rating: [[6]]',
            score: 1 + ((q * 7 + turn * 3 + m) % 10),
            turn,
            tstamp: 1.7e9,
          }),
        );
      }
    }
  }
  writeFileSync(judgments, `${rows.join('\n')}\n`);
}

const t0 = performance.now();
const inputs = loadCompareInputs({
  labels: { baseline: 'Torch', candidate: 'TorchAcc' },
  runs: { baseline, candidate },
  mtbenchFiles: [judgments],
  modelIds: { baseline: 'model_3', candidate: 'model_4', original: 'model_0' },
});
const t1 = performance.now();
const result = decide(inputs, resolvePolicy({ mtbench: { floor: 0 } }));
const t2 = performance.now();
const reports = renderAll(result, { gateName: 'bench', resultDir: dir, startedAt: '', finishedAt: '', provenance: {} });
const t3 = performance.now();
// The young generation's size once the engine's work is done (semi-spaces of 16 MB in most runs,
// 32 MB where V8 grew it: docs/bench-rss.md), taken before the oversized report below.
const youngGenMb = (getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0) / 2 ** 20;
// The PR comment of an oversized result (500 checks with long reasons, 2,000 provenance entries):
// the budgeted truncation must stay quick (it was a 5 s bound in test/report/report-md.test.ts).
const many = Array.from({ length: 500 }, (_, i): CheckResult => ({
  id: `check-${i}`,
  title: `Check number ${i}`,
  verdict: i % 2 ? 'fail' : 'invalid',
  value: i / 1000,
  unit: 'relative',
  bounds: { pass: 0.005, fail: 0.01 },
  numbers: {},
  reason: `reason ${i} `.repeat(200),
}));
const provenance = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`key${i}`, 'v'.repeat(300)]));
renderReportMarkdown({ ...result, checks: [...result.checks, ...many] }, { gateName: 'bench', resultDir: dir, startedAt: '', finishedAt: '', provenance });
const t4 = performance.now();
console.log(
  JSON.stringify({
    steps: STEPS,
    judgments: inputs.mtbench.baseline ? 1600 : 0,
    verdict: result.verdict,
    problems: result.problems.length,
    readMs: t1 - t0,
    checkMs: t2 - t1,
    reportMs: t3 - t2,
    totalMs: t3 - t0,
    hugeReportMs: t4 - t3,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    youngGenMb,
    reportBytes: Object.values(reports).reduce((n, s) => n + s.length, 0),
  }),
);
