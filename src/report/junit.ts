// junit.xml: one test suite, one test case per check, so CI dashboards (GitLab, Jenkins, test
// reporters) show the gate like a test run. Stages that did not finish and input problems get test
// cases of their own: an INVALID gate must never look green in a JUnit viewer.

import type { CheckResult, GateResult, StageRecord } from '../model.js';
import { reasonWithCause } from './stage-tails.js';
import type { ReportContext } from './context.js';
import { formatBounds, formatCheckValue, verdictWord } from './format.js';

/**
 * Text for XML 1.0 content and attributes. Characters XML 1.0 forbids even as references (C0
 * controls other than tab/LF/CR, lone surrogates, U+FFFE/U+FFFF) become U+FFFD.
 */
export function xmlEscape(s: string, attribute = false): string {
  const cleaned = s.replace(
    /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    '\uFFFD',
  );
  const escaped = cleaned.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
  // Attribute values are whitespace-normalised by parsers unless line breaks and tabs are references.
  return attribute ? escaped.replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;') : escaped;
}

const attr = (s: string) => xmlEscape(s, true);

function seconds(ctx: ReportContext): number {
  const ms = Date.parse(ctx.finishedAt) - Date.parse(ctx.startedAt);
  return Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0;
}

function details(c: CheckResult): string {
  const lines = [
    `verdict: ${verdictWord(c.verdict)}`,
    `value: ${formatCheckValue(c)}`,
    `bounds (pass / fail): ${formatBounds(c.bounds, c.unit)}`,
    `reason: ${c.reason}`,
  ];
  if (c.warning) lines.push(`warning: ${c.warning}`);
  for (const [k, v] of Object.entries(c.numbers)) lines.push(`${k}: ${v === null ? 'null' : String(v)}`);
  return lines.join('\n');
}

interface Case {
  name: string;
  classname: string;
  /** The element inside <testcase>, if any, before <system-out>. */
  outcome?: string;
  out: string;
  kind: 'passed' | 'failure' | 'error' | 'skipped';
}

function checkCase(c: CheckResult, gate: string, failOn?: readonly string[]): Case {
  const text = details(c);
  const base = { name: `${c.id}: ${c.title}`, classname: gate, out: text };
  const message = attr(c.reason);
  switch (c.verdict) {
    case 'fail':
      return { ...base, kind: 'failure', outcome: `<failure message="${message}" type="fail">${xmlEscape(text)}</failure>` };
    case 'inconclusive':
      // Under `fail-on: fail` the step passes on INCONCLUSIVE: a red test case would contradict it.
      if (failOn && !failOn.includes('inconclusive')) {
        return {
          ...base,
          kind: 'skipped',
          outcome: `<skipped message="${attr(`INCONCLUSIVE (not a failure under fail-on: ${failOn.filter((v) => v !== 'invalid').join(',')}): ${c.reason}`)}"/>`,
        };
      }
      return {
        ...base,
        kind: 'failure',
        outcome: `<failure message="${message}" type="inconclusive">${xmlEscape(text)}</failure>`,
      };
    case 'invalid':
      return { ...base, kind: 'error', outcome: `<error message="${message}" type="invalid">${xmlEscape(text)}</error>` };
    default:
      // pass and info: a passing test case; info's numbers are in <system-out>.
      return { ...base, kind: 'passed' };
  }
}

function stageCase(s: StageRecord, gate: string): Case | undefined {
  if (s.status === 'ok' || s.status === 'cached') return undefined;
  const why = [reasonWithCause(s), s.exitCode !== undefined && s.exitCode !== null ? `exit code ${s.exitCode}` : '', s.signal ? `signal ${s.signal}` : '']
    .filter(Boolean)
    .join('; ');
  const message = attr(`${verdictWord(s.status)}${why ? `: ${why}` : ''}`);
  const base = { name: `stage ${s.id}: ${s.title}`, classname: `${gate}.stages`, out: s.log ? `log: ${s.log}` : '' };
  if (s.status === 'skipped') return { ...base, kind: 'skipped', outcome: `<skipped message="${message}"/>` };
  const tail = s.tail?.length ? xmlEscape(s.tail.join('\n')) : '';
  return {
    ...base,
    kind: 'error',
    outcome: tail ? `<error message="${message}" type="${s.status}">${tail}</error>` : `<error message="${message}" type="${s.status}"/>`,
  };
}

export function renderJunit(r: GateResult, ctx: ReportContext): string {
  const gate = ctx.gateName;
  const cases: Case[] = r.checks.map((c) => checkCase(c, gate, ctx.failOn));
  for (const s of r.stages) {
    const c = stageCase(s, gate);
    if (c) cases.push(c);
  }
  if (r.problems.length) {
    const text = r.problems.map((p) => `${p.source}: ${p.message}`).join('\n');
    const message = attr(`${r.problems.length} input problem${r.problems.length === 1 ? '' : 's'}: ${r.problems[0].message}`);
    cases.push({
      name: 'inputs',
      classname: `${gate}.problems`,
      kind: 'error',
      outcome: `<error message="${message}" type="invalid">${xmlEscape(text)}</error>`,
      out: '',
    });
  }
  const count = (k: Case['kind']) => cases.filter((c) => c.kind === k).length;
  const totals = `tests="${cases.length}" failures="${count('failure')}" errors="${count('error')}" skipped="${count('skipped')}"`;
  const time = seconds(ctx).toFixed(3);

  const props: [string, string][] = [
    ['verdict', r.verdict],
    ['headline', r.headline],
    ['baseline', r.labels.baseline],
    ['candidate', r.labels.candidate],
    ['result_dir', ctx.resultDir],
    ['synthetic', String(ctx.synthetic ?? false)],
    ...Object.entries(ctx.provenance),
  ];
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="accuracy-gate" ${totals} time="${time}">`,
    `  <testsuite name="${attr(`accuracy-gate: ${gate}`)}" ${totals} time="${time}" timestamp="${attr(ctx.startedAt)}">`,
    '    <properties>',
    ...props.map(([k, v]) => `      <property name="${attr(k)}" value="${attr(v)}"/>`),
    '    </properties>',
  ];
  for (const c of cases) {
    lines.push(`    <testcase name="${attr(c.name)}" classname="${attr(c.classname)}" time="0">`);
    if (c.outcome) lines.push(`      ${c.outcome}`);
    // A failure or error element already carries the details; a passing case shows them here.
    if (c.out && (c.kind === 'passed' || c.kind === 'skipped' || c.outcome?.endsWith('/>'))) {
      lines.push(`      <system-out>${xmlEscape(c.out)}</system-out>`);
    }
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
