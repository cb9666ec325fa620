// The evaluators besides MT-Bench through the bundled CLI: `compare` on arm dirs copied from the
// recorded GPU runs plus lm-eval output and metrics.json, and `run` with evaluator commands.
// lm-eval is not installed here: its files are written as lm-eval v0.4.x writes them (format taken
// from its writer code, see test/helpers/lm-eval-fixture.ts).
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ExitCode } from '../../src/constants.js';
import { RECORDED, runCli, tempDir } from '../helpers/cli.js';
import { outcomes, writeLmEvalRun, type TaskSpec } from '../helpers/lm-eval-fixture.js';
import { replayArgv } from '../helpers/gate.js';

const N = 2000;
const BASE = outcomes(N, 1200);
const ones = BASE.flatMap((v, i) => (v ? [i] : []));
const zeros = BASE.flatMap((v, i) => (v ? [] : [i]));
const flip = (xs: number[], idx: number[]) => xs.map((v, i) => (idx.includes(i) ? 1 - v : v));
/** Same accuracy, 10 answers changed each way. */
const NOISE = flip(BASE, [...ones.slice(0, 10), ...zeros.slice(0, 10)]);
/** 3 points worse. */
const WORSE = flip(BASE, ones.slice(0, 60));

const tasks = (hellaswag: number[], arc: number[]): TaskSpec[] => [
  { name: 'hellaswag', acc: hellaswag, accNorm: hellaswag },
  { name: 'arc_easy', acc: arc, accNorm: arc },
];

/** An arm dir: a recorded run's files, lm-eval output under lm_eval/ (--log_samples), metrics.json. */
function arm(run: string, lm: TaskSpec[], passAt1: number, samples?: number[]): string {
  const dir = tempDir(`eval-arm-${run}-`);
  cpSync(path.join(RECORDED, run), dir, { recursive: true });
  writeLmEvalRun(path.join(dir, 'lm_eval'), dir, lm, { logSamples: true });
  writeFileSync(
    path.join(dir, 'metrics.json'),
    JSON.stringify({ metrics: [{ name: 'pass@1', value: passAt1, higher_is_better: true, tolerance: 0.02, ...(samples ? { samples } : {}) }] }, null, 2),
  );
  return dir;
}

function config(dir: string, extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, 'gate.yml');
  writeFileSync(file, stringify({ evaluations: { 'lm-eval': { tasks: ['hellaswag', 'arc_easy'] }, custom: {} }, ...extra }));
  return file;
}

async function compare(baseline: string, candidate: string) {
  const out = tempDir('eval-out-');
  const r = await runCli(['compare', '--baseline-run', baseline, '--candidate-run', candidate, '--config', config(tempDir('eval-cfg-')), '--out', out]);
  const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
  const verdicts = Object.fromEntries(summary.checks.map((c: { id: string; verdict: string }) => [c.id, c.verdict]));
  return { ...r, out, summary, verdicts };
}

describe('compare with per-document eval loss, lm-eval and custom metrics', () => {
  it('eager vs eager-rerun, same answers: every check passes, exit 0', async () => {
    const r = await compare(arm('eager', tasks(BASE, BASE), 0.42), arm('eager-rerun', tasks(BASE, BASE), 0.42));
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.verdicts).toMatchObject({ 'eval-loss-docs': 'info', 'lm-eval:hellaswag': 'pass', 'lm-eval:arc_easy': 'pass', 'metric:pass@1': 'pass' });
    expect(r.summary.verdict).toBe('pass');
    expect(r.code).toBe(ExitCode.Pass);
  });

  it('eager vs compile: eval-loss-docs reported (24 documents < 50), lm-eval paired PASS despite 20 changed answers; exit 0', async () => {
    const r = await compare(arm('eager', tasks(BASE, BASE), 0.42, [1, 0, 1, 0]), arm('compile', tasks(NOISE, BASE), 0.415, [1, 0, 1, 0]));
    const ids = r.summary.checks.map((c: { id: string }) => c.id);
    expect(ids).toEqual([
      'finite',
      'train-loss',
      'loss-curve',
      'loss-tail',
      'eval-loss',
      'eval-loss-docs',
      'lm-eval:hellaswag',
      'lm-eval:arc_easy',
      'metric:pass@1',
      'speed',
    ]);
    expect(r.verdicts).toMatchObject({ 'eval-loss-docs': 'info', 'lm-eval:hellaswag': 'pass', 'metric:pass@1': 'pass' });
    const docs = r.summary.checks.find((c: { id: string }) => c.id === 'eval-loss-docs');
    expect(docs.value).toBeCloseTo(0.0028749, 6);
    const hs = r.summary.checks.find((c: { id: string }) => c.id === 'lm-eval:hellaswag');
    expect(hs.numbers).toMatchObject({ method: 'paired', documents: N, documentsBetter: 10, documentsWorse: 10, metric: 'acc_norm,none' });
    expect(r.summary.verdict).toBe('pass');
    expect(r.code).toBe(ExitCode.Pass);
    // The numbers behind the checks, per arm.
    const ev = r.summary.evaluations;
    expect(ev.eval_loss_docs.baseline).toMatchObject({ present: true, n: 24, tokens: 24225 });
    expect(ev.eval_loss_docs.candidate.mean).toBeCloseTo(1.7438291, 6);
    expect(ev.lm_eval.candidate.hellaswag).toMatchObject({ metric: 'acc_norm,none', value: 0.6, samples: N });
    expect(ev.custom.candidate['pass@1']).toMatchObject({ value: 0.415, higher_is_better: true, tolerance: 0.02, samples: 4 });
    expect(readFileSync(path.join(r.out, 'report.md'), 'utf8')).toContain('### Other evaluations');
  });

  it('a 3-point drop on one task FAILS (exit 1); a metrics file missing on one arm is INVALID naming it', async () => {
    const r = await compare(arm('eager', tasks(BASE, BASE), 0.42), arm('eager-rerun', tasks(BASE, WORSE), 0.42));
    expect(r.verdicts['lm-eval:arc_easy']).toBe('fail');
    expect(r.verdicts['lm-eval:hellaswag']).toBe('pass');
    expect(r.code).toBe(ExitCode.Fail);
    expect(r.summary.headline).toMatch(/^FAIL: lm-eval:arc_easy: arc_easy acc_norm,none 0\.6000 vs 0\.5700: difference -0\.0300/);

    const cand = arm('eager-rerun', tasks(BASE, BASE), 0.42);
    const missing = path.join(cand, 'metrics.json');
    writeFileSync(missing, '[{"name": "pass@1", "value": 0.4,');
    const bad = await compare(arm('eager', tasks(BASE, BASE), 0.42), cand);
    expect(bad.code).toBe(ExitCode.Invalid);
    expect(bad.verdicts['metric:pass@1']).toBe('invalid');
    expect(JSON.stringify(bad.summary.problems)).toContain(`${missing}:1`);
  });
});

describe('run with evaluator commands', () => {
  it('runs lm-eval and the custom script once per trained arm, logs them, then gates on what they wrote', async () => {
    const dir = tempDir('eval-run-');
    // Stand-ins for lm_eval and a user's script: copy prepared lm-eval output / write metrics.json.
    for (const role of ['baseline', 'candidate'])
      writeLmEvalRun(path.join(dir, 'stash', role), 'ckpt', tasks(BASE, role === 'baseline' ? BASE : NOISE), { logSamples: true });
    const script = path.join(dir, 'stand-in.mjs');
    writeFileSync(
      script,
      `import { cpSync, writeFileSync } from 'node:fs';
const [what, arm, output] = process.argv.slice(2);
console.log(what + ' for ' + arm + ' (GATE_ARM=' + process.env.GATE_ARM + ')');
if (what === 'lm-eval') cpSync(${JSON.stringify(path.join(dir, 'stash'))} + '/' + arm, output + '/lm_eval', { recursive: true });
else writeFileSync(output + '/metrics.json', JSON.stringify([{ name: 'pass@1', value: arm === 'baseline' ? 0.42 : 0.43, higher_is_better: true, tolerance: 0.02 }]));
`,
    );
    const replay = (run: string) => replayArgv(run, 20);
    const cfg = path.join(dir, 'gate.yml');
    writeFileSync(
      cfg,
      stringify({
        name: 'eval-int',
        model: dir,
        workdir: dir,
        arms: {
          baseline: { label: 'Torch', slug: 'torch', train: replay('eager') },
          candidate: { label: 'TorchAcc', slug: 'acc', train: replay('eager-rerun') },
        },
        evaluations: {
          'lm-eval': { run: [process.execPath, script, 'lm-eval', '{arm}', '{output}'], tasks: ['hellaswag', 'arc_easy'] },
          custom: { run: `${process.execPath} ${script} custom {arm} {output}` },
        },
      }),
    );
    const r = await runCli(['run', '--config', cfg], { timeoutMs: 120_000 });
    const root = path.join(dir, 'result');
    const res = path.join(root, readdirSync(root).find((n) => /^\d{8}_\d{6}/.test(n)) as string);
    const summary = JSON.parse(readFileSync(path.join(res, 'summary.json'), 'utf8'));
    const stages = summary.stages.map((s: { id: string; status: string; log: string | null }) => `${s.id}:${s.status}:${s.log}`);
    expect(stages).toEqual([
      'train-baseline:ok:torch_training.log',
      'train-candidate:ok:acc_training.log',
      'eval-lm-eval-baseline:ok:torch_lm-eval_eval.log',
      'eval-custom-baseline:ok:torch_custom_eval.log',
      'eval-lm-eval-candidate:ok:acc_lm-eval_eval.log',
      'eval-custom-candidate:ok:acc_custom_eval.log',
    ]);
    expect(readFileSync(path.join(res, 'acc_custom_eval.log'), 'utf8')).toContain('custom for candidate (GATE_ARM=candidate)');
    expect(existsSync(path.join(res, 'acc_ckpt', 'lm_eval', 'ckpt', 'results_2024-12-05T22-30-09.123456.json'))).toBe(true);
    const verdicts = Object.fromEntries(summary.checks.map((c: { id: string; verdict: string }) => [c.id, c.verdict]));
    expect(verdicts).toMatchObject({ 'eval-loss-docs': 'info', 'lm-eval:hellaswag': 'pass', 'lm-eval:arc_easy': 'pass', 'metric:pass@1': 'pass' });
    expect(summary.verdict).toBe('pass');
    expect(r.code).toBe(ExitCode.Pass);
  });
});
