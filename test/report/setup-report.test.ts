// The setup contract and the onset in every report (issue 25 parts 1–2): report.md (the PR
// comment: cause in the headline, the setup table, the onset marker on the Mermaid gap chart),
// report.html (table and chart markers), summary.json (schema), result.log and junit, with the
// same numbers; the comment keeps cause and onset within its budget.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import { COMMENT_LIMIT } from '../../src/constants.js';
import { decide } from '../../src/engine/decide.js';
import { addCause } from '../../src/checks/index.js';
import type { GateResult } from '../../src/model.js';
import { readTrainerOutput } from '../../src/readers/trainer-output.js';
import { htmlAssets } from '../../src/report/html-assets.js';
import { renderReportHtml } from '../../src/report/html.js';
import { renderJunit } from '../../src/report/junit.js';
import { gapChart } from '../../src/report/mermaid.js';
import { renderReportMarkdown } from '../../src/report/report-md.js';
import { renderResultLog } from '../../src/report/result-log.js';
import { buildSummary, type SummaryJson } from '../../src/report/summary.js';
import { CTX } from './results.js';

const RECORDED = fileURLToPath(new URL('../../examples/recorded', import.meta.url));
const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../../docs/summary.schema.json', import.meta.url)), 'utf8')) as object;
const validate = new Ajv({ allErrors: true }).compile(schema);

function gate(b: string, c: string): GateResult {
  const training = { baseline: readTrainerOutput(join(RECORDED, b)), candidate: readTrainerOutput(join(RECORDED, c)) };
  return decide({ labels: { baseline: 'Torch', candidate: 'TorchAcc' }, training, mtbench: {}, problems: [] }, DEFAULT_POLICY);
}

const CAUSE = "the candidate's logged learning_rate is 0.80× the baseline's at every step: the schedule differs, not the numerics";
/** As report.md writes it: Markdown's `_` escaped. */
const CAUSE_MD = CAUSE.replace('learning_rate', 'learning\\_rate');

describe('a FAIL with a setup cause and an onset, in every report', () => {
  const r = gate('calibration/aa-seed-1', 'calibration/reg-lr-0.8');

  it('report.md: the cause and onset in the headline, the setup table, the onset marker on the gap chart', () => {
    const md = renderReportMarkdown(r, CTX);
    expect(md).toContain(`— probable cause: ${CAUSE_MD}`);
    expect(md).toContain('onset at step 135');
    expect(md).toContain('### Setup contract');
    expect(md).toContain(
      "| learning\\_rate (logged) | 80 steps: 0.0001333 … 2.703e-6 | 80 steps: 0.0001067 … 2.162e-6 | ❌ differs: 0.80× the baseline's at every step |",
    );
    expect(md).toContain('| Num examples | not stated | not stated | not stated |');
    expect(md).toContain(`- Probable cause: ${CAUSE_MD}`);
    // The Mermaid chart: a full-height bar (the marker) at the point holding step 135, drawn first.
    const chart = gapChart(r)!;
    expect(chart.onset?.step).toBe(135);
    const bar = chart.source.split('\n').find((l) => l.trim().startsWith('bar ['))!;
    const range = String(chart.range * 100);
    const cells = bar.trim().slice(5, -1).split(', ');
    expect(cells.filter((v) => v === range)).toHaveLength(1);
    expect(cells.filter((v) => v === `-${range}`)).toHaveLength(cells.length - 1);
    expect(chart.source).toContain('"plotColorPalette": "#f59e0b, ');
    expect(chart.source).toContain('onset at step 135"');
    expect(md).toContain('Amber bar: the onset, step 135');
  });

  it('under a tight budget the header keeps the cause and the onset', () => {
    const md = renderReportMarkdown(r, CTX, { limit: 3000 });
    expect(md.length).toBeLessThan(3000);
    expect(md).toContain(CAUSE_MD);
    expect(md).toContain('onset at step 135');
    expect(renderReportMarkdown(r, CTX).length).toBeLessThan(COMMENT_LIMIT);
  });

  it('summary.json: the setup rows, causes and LR comparison; the onsets in the loss-curve numbers; validates', () => {
    const json = JSON.parse(JSON.stringify(buildSummary(r, CTX))) as SummaryJson;
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json.setup?.causes).toEqual([CAUSE]);
    expect(json.setup?.not_comparable).toBeNull();
    expect(json.setup?.learning_rate).toMatchObject({ common_steps: 80, differing_steps: 80, first_differing_step: 5 });
    expect(json.setup?.rows.find((x) => x.field === 'trainBatchSize')).toEqual({
      field: 'trainBatchSize',
      label: 'train_batch_size',
      baseline: 16,
      candidate: 16,
      status: 'same',
      note: null,
    });
    const curve = json.checks.find((c) => c.id === 'loss-curve')!;
    expect(curve.numbers).toMatchObject({ onsetStep: 135, gradNormOnsetStep: 25, gradNormBand: 0.05 });
  });

  it('report.html: the setup table with the differing row marked, and the onset markers on the charts', () => {
    const html = renderReportHtml(r, CTX, htmlAssets());
    expect(html).toContain('<section id="setup"><h2>Setup contract</h2>');
    expect(html).toMatch(
      /<tr class="differs" data-field="learningRate"><td>learning_rate \(logged\)<\/td><td>80 steps: 0.0001333 … 2.703e-6<\/td><td>80 steps: 0.0001067 … 2.162e-6<\/td><td>differs: 0.80× the baseline&#39;s at every step<\/td><\/tr>/,
    );
    const data = JSON.parse(/<script type="application\/json" id="gate-data">([\s\S]*?)<\/script>/.exec(html)![1]) as {
      markers: Array<{ step: number; kind: string; label: string }>;
    };
    expect(data.markers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ step: 135, kind: 'onset', label: 'loss onset 135' }),
        expect.objectContaining({ step: 25, kind: 'onset', label: 'grad-norm onset 25' }),
      ]),
    );
  });

  it('result.log (the console) and junit: the cause, the differing setup row and the onset', () => {
    const log = renderResultLog(r, CTX);
    expect(log).toMatch(new RegExp(`probable cause +\\s= ${CAUSE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(log).toContain('setup learning_rate (logged)');
    expect(log).toContain("(differs: 0.80× the baseline's at every step)");
    expect(log).toContain('onset at step 135');
    const junit = renderJunit(r, CTX);
    expect(junit).toContain('probable cause: the candidate&apos;s logged learning_rate is 0.80×');
    expect(junit).toContain('onset at step 135');
  });
});

describe('the other cases in the reports', () => {
  it('an A/A pair: a setup table that says "same", no marker, no cause', () => {
    const r = gate('eager', 'eager-rerun');
    const md = renderReportMarkdown(r, CTX);
    expect(r.verdict).toBe('pass');
    expect(md).toContain(
      '| learning\\_rate (logged) | 80 steps: 0.0001333 … 2.703e-6 | 80 steps: 0.0001333 … 2.703e-6 | ✅ same at all 80 logged steps in common |',
    );
    expect(md).not.toContain('probable cause');
    expect(gapChart(r)!.source).not.toContain('bar [');
  });

  it('the late divergence: the marker sits before the clipped divergence, both onsets at 155', () => {
    const r = gate('eager', 'diverge');
    const chart = gapChart(r)!;
    expect(chart.onset?.step).toBe(155);
    const md = renderReportMarkdown(r, CTX);
    expect(md).toContain("then 10,000× the baseline's from step 155 on");
    expect(md).toContain('onset at step 155');
    const json = buildSummary(r, CTX);
    expect(json.checks.find((c) => c.id === 'loss-curve')!.numbers).toMatchObject({ onsetStep: 155, gradNormOnsetStep: 155 });
  });
});

describe('the slot for a later diagnosis (the per-module probe)', () => {
  const PROBE = "the first module that computes differently: model.layers.2.input_layernorm (error 0.46 vs the baseline's 0.006)";

  it("addCause: a FAIL's headline names it after the setup's cause, and every report lists it", () => {
    const r = addCause(gate('calibration/aa-seed-1', 'calibration/reg-lr-0.8'), PROBE);
    expect(r.headline).toContain(`— probable cause: ${CAUSE}; ${PROBE} (Torch vs TorchAcc)`);
    expect(r.setup!.causes).toEqual([CAUSE, PROBE]);
    expect(renderReportMarkdown(r, CTX)).toContain(`- Probable cause: ${PROBE.replace(/_/g, '\\_')}`);
    expect(buildSummary(r, CTX).setup!.causes).toEqual([CAUSE, PROBE]);
  });

  it('arms that stated no setup: the cause alone; a PASS keeps its headline', () => {
    const r = gate('eager', 'data-seed-2');
    const bare = addCause({ ...r, setup: undefined }, PROBE);
    expect(bare.headline).toMatch(new RegExp(`— probable cause: ${PROBE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(Torch vs TorchAcc\\)$`));
    const md = renderReportMarkdown(bare, CTX);
    expect(md).toContain('### Probable cause');
    expect(md).not.toContain('### Setup contract');
    expect(renderReportHtml(bare, CTX, htmlAssets())).toContain('<section id="setup"><h2>Probable cause</h2>');
    const pass = gate('eager', 'eager-rerun');
    expect(addCause(pass, PROBE).headline).toBe(pass.headline);
  });
});
