import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { buildSummary, renderSummaryJson, type SummaryJson } from '../../src/report/summary.js';
import { toJsonNumber } from '../../src/report/json-number.js';
import { CTX, failResult, invalidResult, passResult } from './results.js';

const schemaPath = fileURLToPath(new URL('../../docs/summary.schema.json', import.meta.url));
const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as object;
const validate = new Ajv({ allErrors: true }).compile(schema);

/** What a consumer gets: the summary after a JSON round trip. */
function roundTrip(s: SummaryJson): unknown {
  return JSON.parse(JSON.stringify(s));
}

describe('buildSummary', () => {
  it.each([
    ['pass', passResult],
    ['fail', failResult],
    ['invalid', invalidResult],
    [
      'ungated',
      () => ({
        ...passResult(),
        verdict: 'ungated' as const,
        checks: [],
        headline: 'UNGATED: nothing was gated in this job (compare not selected); stages done: train-baseline',
      }),
    ],
  ])('the %s summary validates against docs/summary.schema.json', (verdict, make) => {
    const json = roundTrip(buildSummary(make(), CTX));
    const ok = validate(json);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect((json as SummaryJson).verdict).toBe(verdict);
  });

  it('a synthetic summary with every optional field validates', () => {
    const r = passResult();
    r.checks[0].warning = 'speedup below 1.0';
    r.earlyAbort = { step: 10, reason: 'x' };
    const json = roundTrip(buildSummary(r, { ...CTX, synthetic: true }));
    expect(validate(json)).toBe(true);
    expect((json as SummaryJson).synthetic).toBe(true);
  });

  it('warnings, how each MT-Bench id was chosen and the judges are in summary.json, and validate', () => {
    const r = passResult();
    r.warnings = ['the baseline and the candidate are the same directory (/runs/torch_ckpt): this compares a run with itself'];
    r.mtbench.baseline!.idPick = { how: 'picked', candidates: ['torch_ckpt_20241205_230101'], rule: 'the id torch_ckpt_<YYYYmmdd_HHMMSS>' };
    r.mtbench.baseline!.judges = ['gpt-4'];
    r.mtbench.candidate!.idPick = { how: 'given' };
    const json = roundTrip(buildSummary(r, CTX)) as SummaryJson;
    expect(validate(json)).toBe(true);
    expect(json.warnings).toEqual(r.warnings);
    expect(json.evaluations.mtbench.baseline).toMatchObject({
      model_id_source: 'picked',
      model_id_rule: 'the id torch_ckpt_<YYYYmmdd_HHMMSS>',
      model_id_candidates: ['torch_ckpt_20241205_230101'],
      judges: ['gpt-4'],
    });
    expect(json.evaluations.mtbench.candidate).toMatchObject({ model_id_source: 'given', model_id_rule: null, model_id_candidates: [] });
    expect(buildSummary(passResult(), CTX).warnings).toEqual([]);
  });

  it('the schema rejects a bad verdict, a missing role, a bare null for a count and an unknown key', () => {
    const good = roundTrip(buildSummary(passResult(), CTX)) as Record<string, unknown>;
    expect(validate({ ...good, verdict: 'PASS' })).toBe(false);
    expect(validate.errors?.some((e) => e.instancePath === '/verdict')).toBe(true);
    expect(validate({ ...good, verdict: 'ok' })).toBe(false);

    const noRole = structuredClone(good) as { evaluations: { mtbench: Record<string, unknown> } };
    delete noRole.evaluations.mtbench.original;
    expect(validate(noRole)).toBe(false);

    const badCount = structuredClone(good) as { training: { baseline: Record<string, unknown> } };
    badCount.training.baseline.points = null;
    expect(validate(badCount)).toBe(false);

    const badCheck = structuredClone(good) as { checks: Record<string, unknown>[] };
    badCheck.checks[0].verdict = 'passed';
    expect(validate(badCheck)).toBe(false);

    expect(validate({ ...good, extra: 1 })).toBe(false);
    expect(validate({ ...good, schema_version: 2 })).toBe(false);
  });

  it('writes non-finite numbers as strings that survive JSON, and the schema accepts only those names', () => {
    const s = buildSummary(failResult(), CTX);
    const text = renderSummaryJson(failResult(), CTX);
    const parsed = JSON.parse(text) as SummaryJson;
    expect(parsed.training.candidate.train_loss).toBe('NaN');
    expect(parsed.checks[1].value).toBe('Infinity');
    expect(parsed.checks[0].numbers.candidate_train_loss).toBe('NaN');
    expect(parsed.training.candidate.final_loss).toBe(2 + 1.5 * Math.exp(-19 / 10));
    expect(text).not.toMatch(/:\s*(NaN|Infinity|-Infinity)\b/); // never bare
    expect(text.endsWith('}\n')).toBe(true);
    expect(s).toEqual(parsed);

    const bad = JSON.parse(text) as { training: { candidate: Record<string, unknown> } };
    bad.training.candidate.train_loss = 'nan';
    expect(validate(bad)).toBe(false);
    expect([toJsonNumber(-Infinity), toJsonNumber(0), toJsonNumber(undefined)]).toEqual(['-Infinity', 0, null]);
  });

  it('fills the contract fields: snake_case training, mtbench per role, labels, stages, provenance', () => {
    const s = buildSummary(passResult(), CTX);
    expect(s.schema_version).toBe(1);
    expect(s.gate).toBe('torchacc-llama');
    expect(s.headline).toBe('PASS: TorchAcc matches Torch within every bound');
    expect(s.training.baseline).toMatchObject({
      present: true,
      train_loss: 2.091632914827291,
      train_runtime: 2552.8252,
      train_steps_per_second: 5.785,
      global_step: 14768,
      eval_loss: null,
      perplexity: null,
      points: 148,
      source: './result/20241205_223009/torch_ckpt',
    });
    expect(s.evaluations.mtbench.candidate).toMatchObject({
      present: true,
      average: 175 / 159,
      turn1: 181 / 159,
      turn2: 169 / 159,
      n: 159,
      dropped: 1,
      duplicates: 0,
      model_id: 'acc_ckpt_20241205_233502',
      judge: 'gpt-4',
    });
    expect(s.evaluations.mtbench.candidate.per_category.math).toEqual({ average: 1.0, n: 20 });
    expect(s.labels).toEqual({ baseline: 'Torch', candidate: 'TorchAcc' });
    expect(s.checks[3]).toEqual({
      id: 'speed',
      title: 'Throughput',
      verdict: 'info',
      value: 6.5 / 5.785,
      unit: 'ratio',
      bounds: {},
      numbers: { baseline: 5.785, candidate: 6.5 },
      reason: 'speedup 1.124x',
    });
    expect(s).toMatchObject({
      result_dir: './result/20241205_223009',
      started_at: CTX.startedAt,
      finished_at: CTX.finishedAt,
      provenance: CTX.provenance,
      synthetic: false,
      early_abort: null,
      problems: [],
      stages: [],
    });
  });

  it('keeps absent roles as present:false objects and maps stages, problems and the early abort', () => {
    const s = buildSummary(invalidResult(), CTX);
    expect(s.training.candidate).toEqual({
      present: false,
      train_loss: null,
      train_runtime: null,
      train_steps_per_second: null,
      train_samples_per_second: null,
      eval_loss: null,
      perplexity: null,
      global_step: null,
      max_steps: null,
      epoch: null,
      points: 0,
      final_loss: null,
      source: null,
      files: [],
      notes: [],
    });
    expect(s.evaluations.mtbench.baseline).toMatchObject({ present: false, average: null, n: 0, model_id: null });
    expect(s.problems).toHaveLength(2);
    expect(s.stages[1]).toEqual({
      id: 'train-candidate',
      title: 'Train TorchAcc (candidate)',
      status: 'failed',
      reason: 'exit code 1',
      exit_code: 1,
      signal: null,
      started_at: null,
      seconds: null,
      log: 'acc_training.log',
      cause: null,
      log_tail: null,
      containment: null,
    });
    expect(buildSummary(failResult(), CTX).early_abort).toEqual({ step: 200, reason: 'loss is NaN at step 150' });
  });
});
