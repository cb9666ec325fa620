// The checks' entry point: data + policy in, verdict + headline + CheckResults out. Pure: no fs,
// no process, no @actions. Every check returns a result (INVALID with a reason) rather than throw.

import type {
  ArmLabels,
  ArmRole,
  CheckResult,
  EvaluationInputs,
  GateResult,
  MtBenchScores,
  Problem,
  Role,
  SetupContract,
  TrainingRun,
  Verdict,
} from '../model.js';
import type { Policy } from './policy.js';
import { checkLossCurve, checkLossTail } from './curve.js';
import { checkCustom } from './custom.js';
import { checkEvalCurve } from './eval-curve.js';
import { checkEvalLossDocs } from './eval-loss-docs.js';
import { checkFinite } from './finite.js';
import { checkLmEval } from './lm-eval.js';
import { makeHeadline, overallVerdict, phrase } from './headline.js';
import { checkMtBench, floorNote } from './mtbench.js';
import { checkEvalLoss, checkTrainLoss } from './scalar.js';
import { checkSpeed } from './speed.js';
import { compareSetup, GPU_CAUSE, markNotComparable, notComparableCheck } from './setup.js';

/** `evalDocs`, `lmEval` (+ `lmEvalSelection`) and `custom`: optional, absent when not configured or not found. */
export interface CheckInputs extends EvaluationInputs {
  labels: ArmLabels;
  training: Partial<Record<ArmRole, TrainingRun>>;
  mtbench: Partial<Record<Role, MtBenchScores>>;
  /** Unusable inputs found by readers/runner; non-empty makes the verdict at least INVALID. */
  problems: Problem[];
  /** The candidate was stopped early by the runner: the verdict is FAIL. */
  earlyAbort?: { step: number; reason: string };
  /** Shown in every report, never change the verdict (e.g. both arms read from one directory). */
  warnings?: string[];
}

export interface ChecksOutcome {
  verdict: Verdict;
  headline: string;
  checks: CheckResult[];
  /** Facts every report must show although they change no verdict (MT-Bench at the floor). */
  warnings: string[];
  /** Both arms' setups side by side (absent when neither states one). */
  setup?: SetupContract;
}

function floorNoteOf(checks: CheckResult[]): string | undefined {
  const mtbench = checks.find((c) => c.id === 'mtbench');
  return mtbench ? floorNote(mtbench) : undefined;
}

type HeadlineInputs = Pick<GateResult, 'verdict' | 'checks' | 'problems' | 'labels' | 'earlyAbort' | 'setup'>;

function headlineOf(r: HeadlineInputs): string {
  const mtbench = r.checks.find((c) => c.id === 'mtbench');
  const note = floorNoteOf(r.checks) ? phrase(mtbench!) : undefined;
  return makeHeadline(r.verdict, r.checks, r.problems, r.labels, r.earlyAbort, note, r.verdict === 'fail' ? (r.setup?.causes ?? []) : []);
}

/**
 * The slot for a diagnosis made after the checks (the per-module probe: "the first module that
 * computes differently: model.layers.2.input_layernorm"): appended to the probable causes after the
 * setup's, and a FAIL's headline rebuilt to name it. Call it on decide()'s result, before anything
 * else edits the headline.
 */
export function addCause(r: GateResult, cause: string): GateResult {
  const setup = { ...(r.setup ?? { rows: [], causes: [] }) };
  setup.causes = [...setup.causes, cause];
  const next = { ...r, setup };
  return { ...next, headline: headlineOf(next) };
}

/** Checks that need a whole training run; `finite` is left to judge what a crashed run logged. */
const WHOLE_RUN = new Set(['train-loss', 'loss-curve', 'loss-tail', 'eval-loss', 'speed']);

/**
 * A training that did not finish (its log ends in a crash) leaves the whole-run checks nothing to
 * compare: they say what happened instead of what is missing ("candidate has no train_loss",
 * "logging steps differ").
 */
function notFinished(c: CheckResult, training: CheckInputs['training']): CheckResult {
  if (!WHOLE_RUN.has(c.id) || c.verdict === 'fail') return c;
  const why = (['baseline', 'candidate'] as const)
    .filter((r) => training[r]?.unfinished)
    .map((r) => `${r} training did not finish: ${training[r]!.unfinished}`);
  return why.length ? { ...c, verdict: 'invalid', value: null, numbers: {}, reason: why.join('; '), warning: undefined } : c;
}

/**
 * Run every enabled check, in the order reports show them, and decide the overall verdict.
 * `extra`: checks made outside the policy's list (the history's baseline drift), shown last.
 */
export function runChecks(inputs: CheckInputs, policy: Policy, extra: readonly CheckResult[] = []): ChecksOutcome {
  const { training } = inputs;
  const aborted = inputs.earlyAbort !== undefined;
  const all: (CheckResult | null)[] = [
    checkFinite(training),
    policy.trainLoss.enabled ? checkTrainLoss(training, policy.trainLoss) : null,
    policy.lossCurve.enabled ? checkLossCurve(training, policy.lossCurve, aborted) : null,
    policy.lossTail.enabled ? checkLossTail(training, policy.lossTail, aborted) : null,
    policy.evalLoss.enabled ? checkEvalLoss(training, policy.evalLoss) : null,
    checkEvalCurve(training),
    policy.evalLossDocs.enabled ? checkEvalLossDocs(inputs.evalDocs, policy.evalLossDocs) : null,
    ...(policy.lmEval.enabled ? checkLmEval(inputs.lmEval, inputs.lmEvalSelection, policy.lmEval) : []),
    ...(policy.custom.enabled ? checkCustom(inputs.custom, policy.custom) : []),
    policy.mtbench.enabled ? checkMtBench(inputs.mtbench, policy.mtbench) : null,
    policy.speed.enabled ? checkSpeed(training, policy.speed) : null,
  ];
  let checks = all.filter((c): c is CheckResult => c !== null).map((c) => notFinished(c, training));
  // Arms that cannot be aligned (other data, another model): INVALID "not comparable", not a FAIL.
  const setup = compareSetup(training);
  if (setup?.notComparable) checks = [notComparableCheck(setup), ...checks.map(markNotComparable)];
  checks = [...checks, ...extra];
  const verdict = overallVerdict(checks, inputs.problems, aborted);
  const note = floorNoteOf(checks);
  const headline = headlineOf({ verdict, checks, problems: inputs.problems, labels: inputs.labels, earlyAbort: inputs.earlyAbort, setup });
  // A setup difference outside a FAIL (where the headline names it) is still something to see; other
  // GPUs are info there (the setup table's GPU row), as a few tenths of a percent of noise is no warning.
  const setupWarnings =
    verdict !== 'fail' && !setup?.notComparable ? (setup?.causes ?? []).filter((c) => !c.startsWith(GPU_CAUSE)).map((c) => `setup differs: ${c}`) : [];
  return { verdict, headline, checks, warnings: [...(note ? [note] : []), ...setupWarnings], ...(setup ? { setup } : {}) };
}
