// result.log: the table of TorchAcc's accuracy benchmark (benchmarks/accuracy/run.sh), same labels and layout, so
// anything that parsed run.sh's file with `\s+=\s+` still works; the gate's verdict is appended
// below it in the same `key = value` shape.

import { quickNotRunLine } from '../checks/quick.js';
import { ROLES, type GateResult, type MtBenchScores, type StageRecord } from '../model.js';
import { reasonWithCause, tailsText } from './stage-tails.js';
import type { ReportContext } from './context.js';
import { formatScore, pickText, stageWhy, verdictWord } from './format.js';
import { checkRows, notRunLine } from './report-sections.js';

const WIDTH = 58;
const TRAINING_HEADER = '==================== Training Results ====================';
const EVALUATION_HEADER = '=================== Evaluation Results ===================';
const CLOSING = '='.repeat(WIDTH);

function header(title: string): string {
  const inner = ` ${title} `;
  const left = Math.floor((WIDTH - inner.length) / 2);
  return '='.repeat(Math.max(left, 3)) + inner + '='.repeat(Math.max(WIDTH - left - inner.length, 3));
}

/** One line, whatever the input holds (a newline would break the `key = value` shape). */
function oneLine(s: string): string {
  return s.replace(/[\r\n\t]+/g, ' ').trim();
}

/** Training numbers exactly as JavaScript prints them: the values HF wrote, unrounded. */
function raw(v: number | undefined): string {
  return v === undefined ? 'n/a' : String(v);
}

/** MT-Bench averages as run.sh showed them (it scraped FastChat's table): formatScore, as every report. */
function score(s: MtBenchScores | undefined): string {
  return formatScore(s?.average);
}

function stageReason(s: StageRecord): string {
  const parts: string[] = [];
  const reason = stageWhy(s.status, reasonWithCause(s));
  if (reason) parts.push(reason);
  // The reason often already says "exit code 1"; say it once.
  const add = (text: string) => {
    if (!reason.includes(text)) parts.push(text);
  };
  // "exited with code 1" already says it too.
  if (s.exitCode !== undefined && s.exitCode !== null && !reason.includes(`code ${s.exitCode}`)) add(`exit code ${s.exitCode}`);
  if (s.signal) add(`signal ${s.signal}`);
  if (s.log) parts.push(`log ${oneLine(s.log)}`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

export function renderResultLog(r: GateResult, ctx: ReportContext): string {
  const b = oneLine(r.labels.baseline);
  const c = oneLine(r.labels.candidate);
  const base = r.training.baseline;
  const cand = r.training.candidate;
  const training: [string, string][] = [
    [`${b} train loss`, raw(base?.trainLoss)],
    [`${c} train loss`, raw(cand?.trainLoss)],
    [`${b} train runtime (s)`, raw(base?.trainRuntime)],
    [`${c} train runtime (s)`, raw(cand?.trainRuntime)],
    [`${b} train steps per second`, raw(base?.stepsPerSecond)],
    [`${c} train steps per second`, raw(cand?.stepsPerSecond)],
  ];
  const evaluation: [string, string][] = [
    ['Original Model Score', score(r.mtbench.original)],
    [`${b} Model Score`, score(r.mtbench.baseline)],
    [`${c} Model Score`, score(r.mtbench.candidate)],
  ];
  const details: [string, string] = ['More details can be found in', oneLine(ctx.resultDir)];

  const verdict: [string, string][] = [
    ['Verdict', verdictWord(r.verdict)],
    ['Headline', oneLine(r.headline)],
  ];
  if (r.quick) verdict.push(['Tier', quickNotRunLine(r.quick)]);
  if (ctx.synthetic) verdict.push(['Data', 'synthetic example (demo data, not a real run)']);
  for (const w of r.warnings ?? []) verdict.push(['warning', oneLine(w)]);
  for (const role of ROLES) {
    const s = r.mtbench[role];
    if (s) verdict.push([`MT-Bench model id ${role === 'original' ? 'Original' : oneLine(r.labels[role])}`, oneLine(`${s.modelId}${pickText(s)}`)]);
  }
  const { shown, notRun } = checkRows(r);
  for (const check of shown) {
    const warning = check.warning ? ` [warning: ${oneLine(check.warning)}]` : '';
    verdict.push([`check ${check.id}`, `${verdictWord(check.verdict)} (${oneLine(check.reason)})${warning}`]);
  }
  const notRunText = notRunLine(r, notRun);
  if (notRunText) verdict.push(['checks not run', notRunText.replace(/^not run: /, '')]);
  // Where the inputs came from when not from this run's own stages (the cache, another run),
  // and where the commands ran and how they were contained: a reader of result.log alone must see them.
  for (const key of ['workdir', 'reused', 'containment'] as const) {
    const v = ctx.provenance[key];
    if (v) verdict.push([key, oneLine(v)]);
  }
  for (const stage of r.stages) {
    if (stage.status === 'ok' || stage.status === 'cached') continue;
    verdict.push([`stage ${stage.id}`, `${verdictWord(stage.status)}${stageReason(stage)}`]);
  }
  if (r.earlyAbort) {
    verdict.push(['early abort', `step ${r.earlyAbort.step} (${oneLine(r.earlyAbort.reason)})`]);
  }
  for (const p of r.problems) verdict.push([`problem ${oneLine(p.source)}`, oneLine(p.message)]);

  // run.sh padded every label to the longest one so that the "=" signs line up.
  // No MT-Bench configured (no scores, no evaluation stage): no block of "n/a" lines.
  const evaluated = r.mtbench.original || r.mtbench.baseline || r.mtbench.candidate || r.stages.some((s) => s.id.startsWith('eval-'));
  const width = Math.max(...[...training, ...(evaluated ? evaluation : []), details].map(([k]) => k.length));
  const line = ([k, v]: [string, string]) => `${k.padEnd(width)} = ${v}`;
  return [
    TRAINING_HEADER,
    ...training.map(line),
    '',
    ...(evaluated ? [EVALUATION_HEADER, ...evaluation.map(line), ''] : []),
    line(details),
    CLOSING,
    '',
    header('Gate Verdict'),
    ...verdict.map(line),
    CLOSING,
    '',
    ...(tailsText(r).length ? [header('Failed Stage Logs'), ...tailsText(r), CLOSING, ''] : []),
  ].join('\n');
}
