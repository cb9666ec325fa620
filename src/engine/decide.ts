// Inputs + policy → GateResult. Pure. The one place a verdict and its headline are made: every
// check (the quick tier's prefix, the nightly history's baseline drift) goes in here; what is
// added after the decision and is not a check goes through amend() (engine/amend.ts).
import type { ArmLabels, CheckResult, GateResult, HistoryEntry, Problem, QuickTier, StageRecord } from '../model.js';
import type { Policy } from '../checks/policy.js';
import { runChecks, type CheckInputs } from '../checks/index.js';
import { markQuick, quickPolicy, quickTraining } from '../checks/quick.js';
import { baselineDriftCheck } from '../checks/baseline-drift.js';

export interface DecideOptions {
  /** The quick tier: only the first `quick.steps` of both curves are gated (finite and the curve checks). */
  quick?: QuickTier;
  /** The nightly history: shown as a trend, and the baseline checked for drift against it (never gating). */
  history?: { entries: HistoryEntry[]; bound: number };
}

/**
 * The quick tier gates the training prefix alone: no evaluation, no whole-run number, no other input.
 * What the inputs warn about (both arms read from one directory) is as true of a prefix: kept.
 */
function quickInputs(inputs: CheckInputs, q: QuickTier): CheckInputs {
  return {
    labels: inputs.labels,
    training: quickTraining(inputs.training, q.steps),
    mtbench: {},
    problems: inputs.problems,
    earlyAbort: inputs.earlyAbort,
    ...(inputs.warnings?.length ? { warnings: inputs.warnings } : {}),
  };
}

export function decide(given: CheckInputs, givenPolicy: Policy, stages: StageRecord[] = [], opts: DecideOptions = {}): GateResult {
  const inputs = opts.quick ? quickInputs(given, opts.quick) : given;
  const policy = opts.quick ? quickPolicy(givenPolicy) : givenPolicy;
  const extra: CheckResult[] = [];
  const drift = opts.history ? baselineDriftCheck(opts.history.entries, { training: inputs.training }, opts.history.bound) : undefined;
  if (drift) extra.push(drift);
  const { verdict, headline, checks, warnings: checkWarnings, setup } = runChecks(inputs, policy, extra);
  const warnings = [...(inputs.warnings ?? []), ...checkWarnings];
  const result: GateResult = {
    verdict,
    headline,
    checks,
    labels: inputs.labels,
    training: inputs.training,
    mtbench: inputs.mtbench,
    problems: inputs.problems,
    stages,
    earlyAbort: inputs.earlyAbort,
    ...(warnings.length ? { warnings } : {}),
    ...(setup ? { setup } : {}),
    // The evaluations besides MT-Bench, for summary.json and the reports (absent when not read).
    ...(inputs.evalDocs ? { evalDocs: inputs.evalDocs } : {}),
    ...(inputs.lmEval ? { lmEval: inputs.lmEval, lmEvalSelection: inputs.lmEvalSelection } : {}),
    ...(inputs.custom ? { custom: inputs.custom } : {}),
    ...(opts.history ? { history: opts.history.entries } : {}),
  };
  return opts.quick ? markQuick(result, opts.quick) : result;
}

/** What a run without the compare stage has to go on: its stages and the problems they met. */
export interface StagesOnly {
  labels: ArmLabels;
  stages: StageRecord[];
  problems: Problem[];
  earlyAbort?: { step: number; reason: string };
}

/**
 * A run without the compare stage (one job of a split workflow, or one that could not make its
 * result dir): its verdict is about its stages. Stages that ran fine gate nothing by themselves:
 * UNGATED, never PASS (docs/policy.md); a stage that failed, or a problem, is INVALID.
 */
export function decideStages(run: StagesOnly, history?: DecideOptions['history']): GateResult {
  const bad = run.stages.filter((r) => r.status !== 'ok' && r.status !== 'cached' && r.status !== 'skipped');
  const verdict = bad.length || run.problems.length ? 'invalid' : 'ungated';
  const done = run.stages.map((r) => r.id).join(', ') || 'none';
  return {
    verdict,
    headline:
      verdict === 'ungated'
        ? `UNGATED: nothing was gated in this job (compare not selected); stages done: ${done}`
        : `INVALID: ${bad.map((r) => `${r.title} ${r.reason ?? r.status}`).join('; ') || run.problems[0]?.message}`,
    checks: [],
    labels: run.labels,
    training: {},
    mtbench: {},
    problems: run.problems,
    stages: run.stages,
    earlyAbort: run.earlyAbort,
    ...(history ? { history: history.entries } : {}),
  };
}
