// One place decides (issue 24 item 2): decide() takes every check — the quick tier's prefix and the
// nightly history's baseline drift too — and makes the verdict and headline once; what is added
// after the decision goes through amend(); run and compare record a result through one function.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import { decide, decideStages } from '../../src/engine/decide.js';
import { amend } from '../../src/engine/amend.js';
import { recordResult, renderAll, REPORT_FILES, rewriteReportFile } from '../../src/engine/result-dir.js';
import { QUICK_NOT_RUN } from '../../src/checks/quick.js';
import type { CheckInputs } from '../../src/checks/index.js';
import type { HistoryEntry } from '../../src/model.js';
import type { ProbeReport } from '../../src/probe-model.js';
import { readTrainerOutput } from '../../src/readers/trainer-output.js';
import { CTX } from '../report/results.js';

const RECORDED = fileURLToPath(new URL('../../examples/recorded/calibration', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'ag-decide-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const LABELS = { baseline: 'Torch', candidate: 'TorchAcc' };
/** The recorded compile candidate (PASS) and the recorded LR × 0.8 candidate (FAIL). */
const inputsOf = (candidate: string): CheckInputs => ({
  labels: LABELS,
  training: { baseline: readTrainerOutput(join(RECORDED, 'aa-seed-1')), candidate: readTrainerOutput(join(RECORDED, candidate)) },
  mtbench: {},
  problems: [],
});

function night(trainLoss: number, i: number): HistoryEntry {
  return {
    date: `2026-11-0${i + 1}T02:00:00Z`,
    verdict: 'pass',
    labels: LABELS,
    baseline: { trainLoss, evalLoss: null, stepsPerSecond: null },
    candidate: { trainLoss, evalLoss: null, stepsPerSecond: null },
    checks: {},
  };
}

describe('decide takes every check', () => {
  it('the history: its baseline-drift check is decided with the others (shown last, never gating) and the trend is kept', () => {
    const inputs = inputsOf('par-compile');
    const base = inputs.training.baseline!.trainLoss!;
    // Three nights 10 % above today's baseline: a drift beyond the train-loss bound.
    const entries = [0, 1, 2].map((i) => night(base * 1.1, i));
    const plain = decide(inputs, DEFAULT_POLICY);
    const r = decide(inputs, DEFAULT_POLICY, [], { history: { entries, bound: DEFAULT_POLICY.trainLoss.pass } });
    const drift = r.checks.at(-1)!;
    expect(drift).toMatchObject({ id: 'baseline-drift', verdict: 'info' });
    expect(drift.warning).toMatch(/baseline drift/);
    expect(drift.reason).toMatch(/^the baseline moved against the last 3 recorded runs: train_loss/);
    expect(r.checks.slice(0, -1)).toEqual(plain.checks);
    expect(r.history).toEqual(entries);
    // Info: the verdict and the headline are the ones the checks alone make.
    expect([r.verdict, r.headline]).toEqual([plain.verdict, plain.headline]);
    expect(r.verdict).toBe('pass');
  });

  it('fewer than 3 nights: no drift check, the trend still shown', () => {
    const inputs = inputsOf('par-compile');
    const r = decide(inputs, DEFAULT_POLICY, [], { history: { entries: [night(2, 0)], bound: 0.01 } });
    expect(r.checks.map((c) => c.id)).not.toContain('baseline-drift');
    expect(r.history).toHaveLength(1);
  });

  it('the quick tier: the prefix of both curves with finite and the curve checks only; the headline says what it cannot see', () => {
    const inputs = inputsOf('reg-lr-0.8');
    const q = { steps: 40, totalSteps: 200, notRun: QUICK_NOT_RUN };
    const r = decide(inputs, DEFAULT_POLICY, [], { quick: q });
    expect(r.quick).toEqual(q);
    expect(r.checks.map((c) => c.id).every((id) => ['finite', 'loss-curve', 'loss-tail', 'setup'].includes(id))).toBe(true);
    expect(Math.max(...r.training.candidate!.curve.map((p) => p.step))).toBeLessThanOrEqual(40);
    expect(r.training.candidate!.trainLoss).toBeUndefined();
    expect(r.headline).toMatch(
      new RegExp(`^${r.verdict.toUpperCase()}: quick tier: first 40 of 200 steps; .*; cannot see late divergence or evaluation scores$`),
    );
  });

  it("the quick tier keeps the inputs' warnings (both arms read from one directory), as the full gate does", () => {
    const warnings = ['the baseline and the candidate are the same directory (/runs/torch): this compares a run with itself'];
    const inputs = { ...inputsOf('par-compile'), warnings };
    const q = { steps: 40, totalSteps: 200, notRun: QUICK_NOT_RUN };
    expect(decide(inputs, DEFAULT_POLICY).warnings).toEqual(warnings);
    expect(decide(inputs, DEFAULT_POLICY, [], { quick: q }).warnings).toEqual(warnings);
  });
});

const probe = (verdict: ProbeReport['verdict'], first?: string): ProbeReport => ({
  verdict,
  headline: first ? `first differing module: ${first}` : 'no module differs',
  top: [],
  forward: { checked: 4, flagged: first ? 1 : 0 },
  grad: { checked: 4, flagged: 0 },
  rule: { multiplier: 4, floor: 1e-6, precision: 'bf16' },
  unmatched: [],
  files: { baseline: 'b', candidate: 'c', reference: 'r' },
  notes: [],
  ...(first ? { first: { name: first } as ProbeReport['first'] } : {}),
});

describe('decideStages: a run without the compare stage', () => {
  const rec = (id: string, status: 'ok' | 'failed') => ({ id, title: id, status, ...(status === 'failed' ? { reason: 'exit 1' } : {}) }) as never;
  it('stages that ran fine are UNGATED, never PASS; a failed stage or a problem is INVALID', () => {
    expect(decideStages({ labels: LABELS, stages: [rec('train-baseline', 'ok')], problems: [] })).toMatchObject({
      verdict: 'ungated',
      headline: 'UNGATED: nothing was gated in this job (compare not selected); stages done: train-baseline',
    });
    expect(decideStages({ labels: LABELS, stages: [rec('train-baseline', 'failed')], problems: [] }).headline).toBe('INVALID: train-baseline exit 1');
    expect(decideStages({ labels: LABELS, stages: [], problems: [{ source: 'runner', message: 'cancelled: received SIGINT' }] }).verdict).toBe('invalid');
  });
});

describe('amend: what is added after the decision, in one place', () => {
  const fail = decide(inputsOf('reg-lr-0.8'), DEFAULT_POLICY);
  const ack = { label: 'accuracy-gate:accept', by: 'maint', at: '2026-12-06T10:00:00Z', permission: 'admin', pr: 7 };

  it('notes are warnings, never the verdict or the headline', () => {
    const r = amend(fail, { kind: 'notes', lines: ['MT-Bench stopped: the verdict no longer depends on it'] }).result;
    expect([r.verdict, r.headline]).toEqual([fail.verdict, fail.headline]);
    expect(r.warnings?.at(-1)).toBe('MT-Bench stopped: the verdict no longer depends on it');
    expect(amend(fail, { kind: 'notes', lines: [] }).result).toBe(fail);
  });

  it('the probe after a FAIL names the first differing module and keeps the verdict; for `probe` alone it is the verdict', () => {
    const after = amend(fail, { kind: 'probe', report: probe('fail', 'model.layers.2.input_layernorm'), alone: false }).result;
    expect(after.verdict).toBe('fail');
    expect(after.headline).toBe(`${fail.headline}; first differing module (probe): model.layers.2.input_layernorm`);
    expect(after.probe?.first?.name).toBe('model.layers.2.input_layernorm');
    const alone = amend({ ...fail, verdict: 'ungated' }, { kind: 'probe', report: probe('pass'), alone: true }).result;
    expect([alone.verdict, alone.headline]).toEqual(['pass', 'PASS: probe: no module differs']);
  });

  it('an acknowledgment: a FAIL stays FAIL and says who; on a PASS nothing changes', () => {
    const a = amend(fail, { kind: 'acknowledgment', ack });
    expect(a.result.verdict).toBe('fail');
    expect(a.result.headline).toBe(`${fail.headline} (acknowledged by @maint: label accuracy-gate:accept)`);
    const pass = decide(inputsOf('par-compile'), DEFAULT_POLICY);
    expect(amend(pass, { kind: 'acknowledgment', ack }).result).toBe(pass);
  });
});

describe('recordResult: the reports written, or INVALID when they cannot be', () => {
  const result = decide(inputsOf('par-compile'), DEFAULT_POLICY);

  it('writes every report and the extra files; report.md is what the re-render writes too', () => {
    const dir = join(tmp, 'ok');
    const rec = recordResult(dir, result, CTX, { 'extra.jsonl': 'x\n' });
    expect(rec.writeError).toBeUndefined();
    expect(rec.result).toBe(result);
    expect(readFileSync(join(dir, 'extra.jsonl'), 'utf8')).toBe('x\n');
    expect(readFileSync(join(dir, REPORT_FILES.summary), 'utf8')).toBe(renderAll(result, CTX).summary);
    rewriteReportFile(dir, result, CTX);
    expect(readFileSync(join(dir, REPORT_FILES.report), 'utf8')).toBe(rec.reports.report);
  });

  it('a file where the result dir should be: INVALID, naming the dir and what the comparison gave, in every report', () => {
    const blocked = join(tmp, 'blocked');
    writeFileSync(blocked, 'not a dir');
    const rec = recordResult(join(blocked, 'run'), result, CTX);
    expect(rec.writeError).toMatch(new RegExp(`^could not write the result files to ${join(blocked, 'run').replace(/[/\\.]/g, '\\$&')}: `));
    expect(rec.result.verdict).toBe('invalid');
    expect(rec.result.headline).toContain('(the comparison itself gave PASS)');
    expect(rec.reports.resultLog).toContain('INVALID');
    expect(JSON.parse(rec.reports.summary).verdict).toBe('invalid');
  });
});
