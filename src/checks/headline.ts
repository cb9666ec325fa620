// The overall verdict and the one-line headline ("FAIL: loss curve gap 3.4 % > 2 % (Torch vs
// TorchAcc)"). The headline names the deciding check first; reports show the rest.

import type { ArmLabels, CheckResult, Problem, Verdict } from '../model.js';
import { CANDIDATE_DIVERGED } from './finite.js';
import { formatPercent, num, points, ratio } from './format.js';

/** Short names used in headlines. */
const SHORT: Record<string, string> = {
  finite: 'finite losses',
  'train-loss': 'train loss',
  'loss-curve': 'loss curve',
  'loss-tail': 'loss tail',
  'eval-loss': 'eval loss',
  'eval-loss-docs': 'eval loss per document',
  mtbench: 'MT-Bench',
  speed: 'speed',
};

/** eval-loss-docs, lm-eval:<task>, metric:<name>. */
const CI_CHECKS = /^(eval-loss-docs$|lm-eval:|metric:)/;

/** Checks whose bounds apply to |Δ|; the other relative checks gate only a positive Δ (worse). */
const TWO_SIDED = new Set(['train-loss', 'loss-curve']);

/** "Δ -2.89 % beyond ±2 %": the value exactly as the checks table prints it, then the bound it crossed. */
function compare(c: CheckResult): string {
  const { pass, fail } = c.bounds;
  const two = TWO_SIDED.has(c.id);
  const show = (x: number) => (two ? `±${formatPercent(x, { signed: false })}` : formatPercent(x));
  const value = formatPercent(c.value);
  if (c.verdict === 'fail' && fail !== undefined) return `${value} ${two ? 'beyond' : '>'} ${show(fail)}`;
  if (c.verdict === 'inconclusive' && pass !== undefined && fail !== undefined) {
    return `${value} in the grey band (${show(pass)} – ${show(fail)}]`;
  }
  if (c.verdict === 'pass' && pass !== undefined) return `${value} ${two ? 'within' : '<='} ${show(pass)}`;
  return value;
}

/** One short phrase for a check, for the headline. */
export function phrase(c: CheckResult): string {
  const short = SHORT[c.id] ?? c.id;
  if (c.id === 'setup') return c.reason; // "not comparable: …"
  if (c.verdict === 'invalid' || c.value === null) return `${short}: ${c.reason}`;
  if (c.id === 'finite') {
    if (c.verdict === 'pass') return 'losses finite';
    const step = c.numbers.candidateFirstBadStep;
    return `training diverged: ${c.numbers.candidateFirstBad}${step !== null ? ` at step ${step}` : ''}`;
  }
  if (c.id === 'mtbench') {
    const ci = `CI ${num(c.numbers.ciLower as number | null)} .. ${num(c.numbers.ciUpper as number | null)}`;
    const margin = num(c.bounds.pass ?? null);
    const diff = `MT-Bench Δ ${points(c.value)} (${ci})`;
    if (c.verdict === 'fail') return `${diff}: CI upper bound < ${margin}`;
    if (c.verdict === 'inconclusive') return `${diff} straddles ${margin}`;
    if (c.verdict === 'info')
      return `MT-Bench did not gate: baseline ${num(c.numbers.baselineAverage as number | null)} is below the floor ${num(c.numbers.floor as number | null, 1)}`;
    return `${diff}: CI lower bound > ${margin}`;
  }
  if (c.id === 'speed') return `speed: candidate ${ratio(c.value)} of baseline (${(c.value as number) < 1 ? 'slower' : 'faster'})`;
  // CI-based checks decide on more than the value against one bound: their reason says how.
  if (CI_CHECKS.test(c.id) || c.unit !== 'relative') return `${short}: ${c.reason}`;
  const onset = c.id === 'loss-curve' && c.verdict !== 'pass' ? c.numbers.onsetStep : null;
  return `${short} ${c.id === 'loss-curve' ? 'gap' : 'Δ'} ${compare(c)}${typeof onset === 'number' ? `, onset at step ${onset}` : ''}`;
}

/** FAIL > INVALID > INCONCLUSIVE > PASS; 'info' checks never gate. */
export function overallVerdict(checks: CheckResult[], problems: Problem[], earlyAbort: boolean): Verdict {
  if (earlyAbort || checks.some((c) => c.verdict === 'fail')) return 'fail';
  const gating = checks.filter((c) => c.verdict !== 'info');
  // Nothing gated is not a pass: "never silently a pass" (docs/policy.md).
  if (problems.length > 0 || gating.length === 0 || gating.some((c) => c.verdict === 'invalid')) return 'invalid';
  if (gating.some((c) => c.verdict === 'inconclusive')) return 'inconclusive';
  return 'pass';
}

/** "a", "a and b", "a, b and c". */
function list(names: string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * Every failing check, by name, with a diverged candidate said once: the loss checks that fail only
 * because of it carry the same divergence in their reason (kept there for the checks table), so
 * here they are named after it instead of repeating it.
 */
function failBody(failing: CheckResult[]): string {
  const follows = failing.filter((c) => c.id !== 'finite' && c.reason.startsWith(CANDIDATE_DIVERGED));
  if (follows.length === 0) return failing.map(phrase).join('; ');
  const finite = failing.find((c) => c.id === 'finite');
  const lead = finite ? phrase(finite) : `${SHORT[follows[0].id] ?? follows[0].id}: ${follows[0].reason}`;
  const named = follows.filter((c) => c !== (finite ?? follows[0]));
  const divergedAt = finite?.numbers.candidateFirstBadStep;
  const name = (c: CheckResult): string => {
    const onset = c.id === 'loss-curve' ? c.numbers.onsetStep : null;
    // A gap that left the band before the first bad value is news; one that left with it is not.
    const early = typeof onset === 'number' && typeof divergedAt === 'number' && onset < divergedAt;
    return `${SHORT[c.id] ?? c.id}${early ? ` (onset at step ${onset})` : ''}`;
  };
  const because = named.length > 0 ? [`${list(named.map(name))} ${named.length > 1 ? 'fail' : 'fails'} because of it`] : [];
  const others = failing.filter((c) => c !== finite && !follows.includes(c)).map(phrase);
  return [lead, ...because, ...others].join('; ');
}

/**
 * A cancelled run (the runner's cancel, a newer push under `concurrency`) says so first, with the
 * stages it stopped: "run cancelled during Train TorchAcc (candidate): received SIGINT".
 */
function cancelled(cancel: Problem, problems: Problem[]): string {
  const stopped = problems.flatMap((p) => /^(.+?) cancelled \(/.exec(p.message)?.[1] ?? []);
  return `run cancelled${stopped.length ? ` during ${list(stopped)}` : ''}: ${cancel.message.slice('cancelled: '.length)}`;
}

function more(n: number, what: string): string {
  return n > 0 ? `; ${n} more ${what}` : '';
}

export function makeHeadline(
  verdict: Verdict,
  checks: CheckResult[],
  problems: Problem[],
  labels: ArmLabels,
  earlyAbort?: { step: number; reason: string },
  /** Said on every headline, whatever the verdict (MT-Bench that ran but did not gate). */
  note?: string,
  /** A FAIL's probable causes (the setup contract's; a diagnosis appends its own). */
  causes: readonly string[] = [],
): string {
  const by = (v: string): CheckResult[] => checks.filter((c) => c.verdict === v);
  let body: string;
  if (earlyAbort) {
    body = `candidate stopped early at step ${earlyAbort.step}: ${earlyAbort.reason}`;
  } else if (verdict === 'fail') {
    // Every failing check, by name: a reviewer must not have to open the table to learn what broke.
    body = failBody(by('fail'));
  } else if (verdict === 'invalid') {
    const invalid = by('invalid');
    const total = invalid.length + problems.length;
    const cancel = problems.find((p) => p.source === 'runner' && p.message.startsWith('cancelled: '));
    if (cancel) body = cancelled(cancel, problems);
    else if (problems.length > 0) body = `${problems[0].source}: ${problems[0].message}`;
    else if (invalid.length > 0) body = phrase(invalid[0]);
    else body = 'no check could run';
    // Arms that cannot be aligned: the other checks were measured but are no verdict.
    const apart = problems.length === 0 && invalid[0]?.id === 'setup';
    body += apart ? more(invalid.length - 1, 'check(s) not compared') : more(total - 1, 'problem(s)');
  } else if (verdict === 'inconclusive') {
    const grey = by('inconclusive');
    body = `${phrase(grey[0])}${more(grey.length - 1, 'inconclusive check(s)')}`;
  } else {
    const passed = by('pass');
    const key = passed.filter((c) => c.id === 'train-loss' || c.id === 'loss-curve');
    const shown = (key.length > 0 ? key : passed.slice(0, 1)).map(phrase).join(', ');
    body = `${passed.length} check(s) pass; ${shown}`;
  }
  // A FAIL names its probable cause (the setup contract's differences; a probe adds the first
  // module that computes differently to the same list).
  if (verdict === 'fail' && causes.length > 0) body += ` — probable cause: ${causes.join('; ')}`;
  if (note) body += `; ${note}`;
  return `${verdict.toUpperCase()}: ${body} (${labels.baseline} vs ${labels.candidate})`;
}
