// One voice: one run rendered through every output (console, result.log, report.md — the PR comment
// and the job summary —, report.html, summary.json, junit.xml) must say the same thing, number for
// number: the verdict, the headline, the labels, every check's verdict, value and reason, the
// training numbers, the MT-Bench averages and the warnings. The expected strings come from
// summary.json through the reports' own formatters, so a report that rounds, reorders or relabels
// differently fails here.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ExitCode } from '../../src/constants.js';
import type { CheckResult } from '../../src/model.js';
import { formatCheckValue, formatRaw, formatScore, verdictWord } from '../../src/report/format.js';
import { BADGE } from '../../src/report/report-sections.js';
import { RECORDED, runCli, tempDir } from '../helpers/cli.js';

const entities = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&#10;/g, '\n')
    .replace(/&amp;/g, '&');
/** report.md as a reader sees it: Markdown escapes and entities undone. */
const mdPlain = (s: string) => entities(s.replace(/\\([\\`*_[\]|~#])/g, '$1'));
/** report.html's visible text: the embedded chart data left out (it holds every number anyway). */
const htmlPlain = (s: string) => entities(s.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ''));

interface Outputs {
  console: string;
  resultLog: string;
  md: string;
  html: string;
  junit: string;
  summary: any;
}

async function demo(scenario: string, expected: number): Promise<Outputs> {
  const out = tempDir(`agree-${scenario}-`);
  // Its own TMPDIR too: nothing of this test lands in a shared temp path.
  const r = await runCli(['demo', '--scenario', scenario, '--out', out, '--speed', '40'], { env: { ...process.env, TMPDIR: out } });
  expect(r.code, r.stderr).toBe(expected);
  return outputs(r, path.join(out, 'latest'));
}

/** `compare` of two recorded runs (eager is the baseline). */
async function compare(candidate: string, expected: number): Promise<Outputs> {
  const out = tempDir(`agree-${candidate}-`);
  const args = ['compare', '--baseline-run', path.join(RECORDED, 'eager'), '--candidate-run', path.join(RECORDED, candidate), '--out', out];
  const r = await runCli(args, { env: { ...process.env, TMPDIR: out } });
  expect(r.code, r.stderr).toBe(expected);
  return outputs(r, out);
}

function outputs(r: { stdout: string; stderr: string }, dir: string): Outputs {
  const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
  return {
    console: r.stdout + r.stderr,
    resultLog: read('result.log'),
    md: mdPlain(read('report.md')),
    html: htmlPlain(read('report.html')),
    junit: entities(read('junit.xml')),
    summary: JSON.parse(read('summary.json')),
  };
}

function agree(o: Outputs): void {
  const s = o.summary;
  const word = verdictWord(s.verdict);
  const texts = { console: o.console, 'result.log': o.resultLog, 'report.md': o.md, 'report.html': o.html, 'junit.xml': o.junit };
  const inAll = (what: string, names: (keyof typeof texts)[] = Object.keys(texts) as (keyof typeof texts)[]) => {
    for (const n of names) expect(texts[n], `${n} should show "${what}"`).toContain(what);
  };
  // The verdict and the headline.
  expect(o.resultLog).toMatch(new RegExp(`^Verdict +\\= ${word}$`, 'm'));
  expect(o.console).toMatch(new RegExp(`^Verdict +\\= ${word}$`, 'm'));
  expect(o.md).toContain(`## ${BADGE[s.verdict as keyof typeof BADGE]} · accuracy gate`);
  expect(o.html).toContain(word);
  expect(o.junit).toContain(`<property name="verdict" value="${s.verdict}"/>`);
  inAll(s.headline);
  for (const label of [s.labels.baseline, s.labels.candidate]) inAll(label);
  for (const w of s.warnings) inAll(w, ['console', 'result.log', 'report.md', 'report.html']);

  // Every check shown as a row: the same verdict, value and reason everywhere.
  const notRun = s.checks.filter((c: CheckResult) => s.early_abort && (c.verdict === 'invalid' || c.id === 'speed'));
  for (const c of s.checks as CheckResult[]) {
    if (notRun.includes(c)) {
      inAll(c.id, ['result.log', 'report.md']);
      continue;
    }
    const value = formatCheckValue({ ...c, numbers: c.numbers ?? {} });
    expect(o.resultLog).toContain(`check ${c.id}`);
    expect(o.resultLog).toMatch(new RegExp(`^check ${c.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} += ${verdictWord(c.verdict)} \\(`, 'm'));
    inAll(c.reason);
    for (const n of ['report.md', 'report.html', 'junit.xml'] as const) expect(texts[n], `${n}: ${c.id} value`).toContain(value);
    expect(o.md).toContain(`(${c.id}) | ${BADGE[c.verdict]} | ${value} |`);
    expect(o.junit).toContain(`verdict: ${verdictWord(c.verdict)}\nvalue: ${value}\n`);
    if (c.warning) inAll(c.warning, ['result.log', 'report.md', 'report.html', 'junit.xml']);
  }

  // The training numbers: the values HF wrote, digit for digit (summary.json holds them in full).
  const runShKeys: [string, string][] = [
    ['train_loss', 'train loss'],
    ['train_runtime', 'train runtime (s)'],
    ['train_steps_per_second', 'train steps per second'],
  ];
  for (const role of ['baseline', 'candidate'] as const) {
    const t = s.training[role];
    for (const [key, line] of runShKeys) {
      if (typeof t[key] !== 'number') continue;
      const shown = formatRaw(t[key]);
      expect(o.resultLog).toMatch(new RegExp(`^${s.labels[role]} ${line.replace(/[()]/g, '\\$&')} += ${shown.replace('.', '\\.')}$`, 'm'));
      inAll(shown, ['console', 'report.md', 'report.html']);
    }
  }
  // Speed: baseline first, as every other pair of numbers.
  const speed = s.checks.find((c: CheckResult) => c.id === 'speed');
  if (speed && !notRun.includes(speed)) {
    const b = s.training.baseline.train_steps_per_second.toFixed(2);
    const c = s.training.candidate.train_steps_per_second.toFixed(2);
    inAll(`${b} vs ${c} steps/s`);
  }
  // MT-Bench: one precision (FastChat's) for the averages, the difference in points.
  for (const role of ['original', 'baseline', 'candidate'] as const) {
    const m = s.evaluations.mtbench[role];
    if (!m?.present) continue;
    inAll(formatScore(m.average), ['console', 'result.log', 'report.md', 'report.html']);
  }
  const mt = s.checks.find((c: CheckResult) => c.id === 'mtbench');
  if (mt && mt.value !== null) expect(formatCheckValue(mt)).toMatch(/^[+-]?\d+\.\d\d points$/);
}

describe('reports agree, number for number', () => {
  it.each([
    ['pass', ExitCode.Pass],
    ['regression', ExitCode.Fail],
    ['diverge', ExitCode.Fail],
  ])(
    'demo --scenario %s: console, result.log, report.md, report.html, summary.json and junit.xml say the same',
    async (scenario, code) => {
      const o = await demo(scenario, code);
      agree(o);
      if (scenario === 'regression') {
        // The chart plots the smoothed gap; the tail check's raw number is named beside it.
        const tail = o.summary.checks.find((c: CheckResult) => c.id === 'loss-tail');
        expect(o.md).toMatch(new RegExp(`The loss-tail check uses the raw \\(unsmoothed\\) gap: its mean from step \\d+ on is \\${formatCheckValue(tail)}`));
        // 0.99× per step is run-to-run noise: no speed warning.
        expect(o.summary.checks.find((c: CheckResult) => c.id === 'speed').warning).toBeUndefined();
      }
      if (scenario === 'diverge') {
        const step = o.summary.early_abort.step;
        // "Steps 180" is explained beside the abort step wherever it is shown.
        expect(o.md).toMatch(new RegExp(`\\| Steps \\| 400 \\| \\d+ \\((last logged; early abort decided at step ${step}|stopped by early abort)\\) \\|`));
        expect(o.html).toMatch(new RegExp(`\\d+ \\((last logged; early abort decided at step ${step}|stopped by early abort)\\)`));
      }
      // The step-time histogram counts samples, not steps, and its median lines are the speed check's.
      expect(o.html).not.toMatch(/\(\w+, \d+ steps\)/);
      const sp = o.summary.checks.find((c: CheckResult) => c.id === 'speed');
      if (sp?.numbers.baselineMedianStepTime) {
        expect(o.html).toContain(`${o.summary.labels.baseline} median ${+(sp.numbers.baselineMedianStepTime * 1000).toPrecision(3)} ms`);
        expect(o.html).toContain(`median step time ${(sp.numbers.baselineMedianStepTime * 1000).toFixed(1)} vs`);
      }
    },
    60_000,
  );
});

describe('a diverged candidate (no early abort): the divergence said once', () => {
  it.each(['nan', 'diverge'])(
    'compare eager vs %s: the headline names the divergence once, the checks table keeps every reason, every output agrees',
    async (candidate) => {
      const o = await compare(candidate, ExitCode.Fail);
      agree(o);
      const s = o.summary;
      const failing = s.checks.filter((c: CheckResult) => c.verdict === 'fail');
      // Each loss check still carries the divergence in its own reason (the reports' table needs it)…
      for (const id of ['train-loss', 'loss-curve', 'loss-tail', 'eval-loss']) {
        expect(failing.find((c: CheckResult) => c.id === id)?.reason).toMatch(/^candidate diverged: grad_norm NaN at step 160 /);
      }
      // …the headline says it once, where and how, and names the checks that fail because of it.
      expect(s.headline).toMatch(
        /^FAIL: training diverged: grad_norm NaN at step 160; train loss, loss curve( \(onset at step 155\))?, loss tail and eval loss fail because of it; eval loss per document: /,
      );
      expect(s.headline.match(/diverged/g)).toHaveLength(1);
      expect(s.headline).not.toContain('grad_norm NaN at step 160 (49 bad logged points');
    },
    60_000,
  );

  it('a grad norm that went NaN has no "largest 0 %": the reason says where it went, summary.json keeps "NaN"', async () => {
    const o = await compare('nan', ExitCode.Fail);
    const curve = o.summary.checks.find((c: CheckResult) => c.id === 'loss-curve');
    expect(curve.reason).toContain('grad norm: onset at step 160 (beyond ±5 % from there; candidate grad norm NaN from step 160)');
    expect(curve.reason).not.toMatch(/largest 0 %/);
    expect(curve.numbers).toMatchObject({ gradNormMaxGap: 'NaN', gradNormMaxGapStep: 160, gradNormOnsetStep: 160 });
    for (const text of [o.resultLog, o.md, o.html, o.junit]) expect(text).not.toContain('largest 0 %');
  }, 60_000);
});
