// summary.json: the machine-readable result (schema: docs/summary.schema.json). snake_case keys as
// HF's own result files use. JSON has no NaN/Infinity, so non-finite numbers are written as the
// strings "NaN", "Infinity", "-Infinity" (a diverged loss must survive the trip, not become null).
// Every role key is always present (`present: false`, nulls) so consumers never test for absence.

import { probeSummary } from './probe-section.js';
import {
  ARM_ROLES,
  ROLES,
  type ArmLabels,
  type ArmRole,
  type CheckResult,
  type CheckVerdict,
  type GateResult,
  type MtBenchScores,
  type Problem,
  type Role,
  type SetupContract,
  type StageRecord,
  type TrainingRun,
  type Verdict,
} from '../model.js';
import type { ReportContext } from './context.js';
import { toJsonNumber, type JsonNumber } from './json-number.js';
import { otherEvaluations, type SummaryOtherEvaluations } from './summary-evaluations.js';

export const SUMMARY_SCHEMA_VERSION = 1;

export interface SummaryCheck {
  id: string;
  title: string;
  verdict: CheckVerdict;
  value: JsonNumber | null;
  unit: CheckResult['unit'];
  bounds: { pass?: JsonNumber; fail?: JsonNumber };
  numbers: Record<string, JsonNumber | string | null>;
  reason: string;
  warning?: string;
}

export interface SummaryTraining {
  present: boolean;
  train_loss: JsonNumber | null;
  train_runtime: JsonNumber | null;
  train_steps_per_second: JsonNumber | null;
  train_samples_per_second: JsonNumber | null;
  eval_loss: JsonNumber | null;
  perplexity: JsonNumber | null;
  global_step: JsonNumber | null;
  max_steps: JsonNumber | null;
  epoch: JsonNumber | null;
  /** Logged loss points (count). */
  points: number;
  /** The last logged loss, when any. */
  final_loss: JsonNumber | null;
  source: string | null;
  files: string[];
  notes: string[];
}

export interface SummaryMtBench {
  present: boolean;
  average: JsonNumber | null;
  turn1: JsonNumber | null;
  turn2: JsonNumber | null;
  n: number;
  dropped: number;
  duplicates: number;
  per_category: Record<string, { average: JsonNumber; n: number }>;
  model_id: string | null;
  /** "given" (flag or config) or "picked" from the judgment rows; null when absent. */
  model_id_source: 'given' | 'picked' | null;
  /** How a picked id was chosen, one line; null when given or absent. */
  model_id_rule: string | null;
  /** The ids a pick chose from, oldest first ([] when given or absent). */
  model_id_candidates: string[];
  judge: string | null;
  /** Every judge model of the rows (a side judged by two is INVALID). */
  judges: string[];
}

export interface SummaryStage {
  id: string;
  title: string;
  status: StageRecord['status'];
  reason: string | null;
  exit_code: number | null;
  signal: string | null;
  started_at: string | null;
  seconds: JsonNumber | null;
  log: string | null;
  /** The common cause the log tail shows, one phrase. */
  cause: string | null;
  /** A failed or timed-out stage's last log lines (redacted). */
  log_tail: string[] | null;
  /** pid-namespace, user-pid-namespace, subreaper or process-group; null for a stage that did not run. */
  containment: string | null;
}

export interface SummaryJson {
  schema_version: typeof SUMMARY_SCHEMA_VERSION;
  gate: string;
  verdict: Verdict;
  headline: string;
  synthetic: boolean;
  checks: SummaryCheck[];
  labels: ArmLabels;
  training: Record<ArmRole, SummaryTraining>;
  evaluations: { mtbench: Record<Role, SummaryMtBench> } & SummaryOtherEvaluations;
  stages: SummaryStage[];
  problems: Problem[];
  /** Facts that do not change the verdict but must be seen (e.g. both arms read from one directory). */
  warnings: string[];
  early_abort: { step: number; reason: string } | null;
  /** The quick tier (run --quick): what was gated; null for a full gate. */
  quick: { steps: number; total_steps: number | null; not_run: string[] } | null;
  /** Only on an acknowledged FAIL: who applied the PR label and when (the verdict stays fail). */
  acknowledged?: { label: string; by: string; at: string; permission: string; pr: number };
  /** The setup contract: both arms' stated setup side by side; null when neither states one. */
  setup: SummarySetup | null;
  /** The per-module probe (diagnose: probe, accuracy-gate probe); null when none ran. */
  probe: ReturnType<typeof probeSummary>;
  result_dir: string;
  started_at: string;
  finished_at: string;
  provenance: Record<string, string>;
}

export interface SummarySetup {
  /** One row per field; a value the arm does not state is null ("not stated"). */
  rows: {
    field: string;
    label: string;
    baseline: JsonNumber | string | null;
    candidate: JsonNumber | string | null;
    status: 'same' | 'differs' | 'not stated';
    note: string | null;
  }[];
  /** The probable causes a FAIL's headline names, most specific first. */
  causes: string[];
  /** Why the arms cannot be aligned at all (the verdict is then INVALID); null when they can. */
  not_comparable: string | null;
  learning_rate: {
    common_steps: number;
    differing_steps: number;
    first_differing_step: number | null;
    min_ratio: JsonNumber | null;
    max_ratio: JsonNumber | null;
  } | null;
}

function setup(s: SetupContract | undefined): SummarySetup | null {
  if (!s) return null;
  const value = (v: number | string | null) => (typeof v === 'number' ? toJsonNumber(v) : v);
  const lr = s.learningRate;
  return {
    rows: s.rows.map((r) => ({
      field: r.key,
      label: r.label,
      baseline: value(r.baseline),
      candidate: value(r.candidate),
      status: r.status,
      note: r.note ?? null,
    })),
    causes: [...s.causes],
    not_comparable: s.notComparable ?? null,
    learning_rate: lr
      ? {
          common_steps: lr.commonSteps,
          differing_steps: lr.differingSteps,
          first_differing_step: lr.firstDifferingStep,
          min_ratio: toJsonNumber(lr.minRatio),
          max_ratio: toJsonNumber(lr.maxRatio),
        }
      : null,
  };
}

/** A number as JSON can hold it: non-finite values become their names. */
function check(c: CheckResult): SummaryCheck {
  const bounds: SummaryCheck['bounds'] = {};
  if (c.bounds.pass !== undefined) bounds.pass = toJsonNumber(c.bounds.pass);
  if (c.bounds.fail !== undefined) bounds.fail = toJsonNumber(c.bounds.fail);
  const numbers: SummaryCheck['numbers'] = {};
  for (const [k, v] of Object.entries(c.numbers)) numbers[k] = typeof v === 'number' ? toJsonNumber(v) : v;
  const out: SummaryCheck = {
    id: c.id,
    title: c.title,
    verdict: c.verdict,
    value: toJsonNumber(c.value),
    unit: c.unit,
    bounds,
    numbers,
    reason: c.reason,
  };
  if (c.warning !== undefined) out.warning = c.warning;
  return out;
}

function training(t: TrainingRun | undefined): SummaryTraining {
  const last = t?.curve.length ? t.curve[t.curve.length - 1] : undefined;
  return {
    present: t !== undefined,
    train_loss: toJsonNumber(t?.trainLoss),
    train_runtime: toJsonNumber(t?.trainRuntime),
    train_steps_per_second: toJsonNumber(t?.stepsPerSecond),
    train_samples_per_second: toJsonNumber(t?.samplesPerSecond),
    eval_loss: toJsonNumber(t?.evalLoss),
    perplexity: toJsonNumber(t?.perplexity),
    global_step: toJsonNumber(t?.globalStep),
    max_steps: toJsonNumber(t?.maxSteps),
    epoch: toJsonNumber(t?.epoch),
    points: t?.curve.length ?? 0,
    final_loss: toJsonNumber(last?.loss),
    source: t?.source ?? null,
    files: t ? [...t.files] : [],
    notes: t ? [...t.notes] : [],
  };
}

function mtbench(s: MtBenchScores | undefined): SummaryMtBench {
  const perCategory: SummaryMtBench['per_category'] = {};
  for (const [name, cat] of Object.entries(s?.perCategory ?? {})) {
    perCategory[name] = { average: toJsonNumber(cat.average), n: cat.n };
  }
  return {
    present: s !== undefined,
    average: toJsonNumber(s?.average),
    turn1: toJsonNumber(s?.turn1),
    turn2: toJsonNumber(s?.turn2),
    n: s?.n ?? 0,
    dropped: s?.dropped ?? 0,
    duplicates: s?.duplicates ?? 0,
    per_category: perCategory,
    model_id: s?.modelId ?? null,
    model_id_source: s?.idPick?.how ?? null,
    model_id_rule: s?.idPick?.rule ?? null,
    model_id_candidates: [...(s?.idPick?.candidates ?? [])],
    judge: s?.judge ?? null,
    judges: [...(s?.judges ?? (s?.judge ? [s.judge] : []))],
  };
}

function stage(s: StageRecord): SummaryStage {
  return {
    id: s.id,
    title: s.title,
    status: s.status,
    reason: s.reason ?? null,
    exit_code: s.exitCode ?? null,
    signal: s.signal ?? null,
    started_at: s.startedAt ?? null,
    seconds: toJsonNumber(s.seconds),
    log: s.log ?? null,
    cause: s.cause ?? null,
    log_tail: s.tail ?? null,
    containment: s.containment ?? null,
  };
}

export function buildSummary(r: GateResult, ctx: ReportContext): SummaryJson {
  const trainingOut = {} as Record<ArmRole, SummaryTraining>;
  for (const role of ARM_ROLES) trainingOut[role] = training(r.training[role]);
  const mtbenchOut = {} as Record<Role, SummaryMtBench>;
  for (const role of ROLES) mtbenchOut[role] = mtbench(r.mtbench[role]);
  return {
    schema_version: SUMMARY_SCHEMA_VERSION,
    gate: ctx.gateName,
    verdict: r.verdict,
    headline: r.headline,
    synthetic: ctx.synthetic ?? false,
    checks: r.checks.map(check),
    labels: { baseline: r.labels.baseline, candidate: r.labels.candidate },
    training: trainingOut,
    evaluations: { mtbench: mtbenchOut, ...otherEvaluations(r) },
    stages: r.stages.map(stage),
    problems: r.problems.map((p) => ({ source: p.source, message: p.message })),
    warnings: [...(r.warnings ?? [])],
    early_abort: r.earlyAbort ? { step: r.earlyAbort.step, reason: r.earlyAbort.reason } : null,
    quick: r.quick ? { steps: r.quick.steps, total_steps: r.quick.totalSteps, not_run: [...r.quick.notRun] } : null,
    ...(r.acknowledged ? { acknowledged: { ...r.acknowledged } } : {}),
    setup: setup(r.setup),
    probe: probeSummary(r.probe),
    result_dir: ctx.resultDir,
    started_at: ctx.startedAt,
    finished_at: ctx.finishedAt,
    provenance: { ...ctx.provenance },
  };
}

/** summary.json's text: two-space indent, trailing newline. */
export function renderSummaryJson(r: GateResult, ctx: ReportContext): string {
  return `${JSON.stringify(buildSummary(r, ctx), null, 2)}\n`;
}
