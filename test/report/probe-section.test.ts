// The probe in every report: the same numbers in report.md, report.html, result.log and
// summary.json (which validates against docs/summary.schema.json, non-finite numbers included),
// and the comment stays within its budget with a probe of many offenders.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { fmtError, judgeProbe } from '../../src/checks/probe.js';
import { parseProbeFile } from '../../src/readers/probe.js';
import { buildSummary } from '../../src/report/summary.js';
import { renderReportMarkdown } from '../../src/report/report-md.js';
import { renderReportHtml } from '../../src/report/html.js';
import { renderResultLog } from '../../src/report/result-log.js';
import { probeText } from '../../src/report/probe-section.js';
import { BASELINE, REFERENCE, probeLines, type FakeRun } from '../helpers/probe-files.js';
import { CTX, failResult } from './results.js';

const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../../docs/summary.schema.json', import.meta.url)), 'utf8')) as object;
const validate = new Ajv({ allErrors: true }).compile(schema);
const ASSETS = { uplotJs: '/*uplot*/', uplotCss: '.uplot{}' };
const parse = (r: FakeRun, f: string) => parseProbeFile(`${probeLines(r).join('\n')}\n`, f);

function probed(candidate: FakeRun) {
  const r = failResult();
  r.probe = judgeProbe({
    baseline: parse(BASELINE, 'probe/baseline.probe.jsonl'),
    candidate: parse(candidate, 'probe/candidate.probe.jsonl'),
    reference: parse(REFERENCE, 'probe/reference.probe.jsonl'),
  });
  return r;
}
const unescapeMd = (s: string) => s.replace(/\\([\\`*_{}[\]()#+\-.!|<>])/g, '$1');

describe('the probe in the reports', () => {
  it('one set of numbers in report.md, report.html, result.log, summary.json and the console text', () => {
    const r = probed({ noise: 0.004, seed: 12, forwardFault: { from: 'model.layers.1.self_attn', size: 0.2 } });
    const first = r.probe!.first!;
    expect(first.name).toBe('model.layers.1.self_attn');
    const numbers = [first.candidateError, first.baselineError, first.bound].map(fmtError);
    const row = `| model.layers.1.self_attn | forward output | fwd 20 | ${numbers.join(' | ')} | ${fmtError(first.ratio)}× | yes |`;
    expect(unescapeMd(renderReportMarkdown(r, CTX))).toContain(row);
    const html = renderReportHtml(r, CTX, ASSETS);
    expect(html).toContain(`<tr class="fail"><td>model.layers.1.self_attn</td><td>forward output</td><td>fwd 20</td><td>${numbers.join('</td><td>')}</td>`);
    const log = renderResultLog(r, CTX);
    expect(log).toMatch(
      new RegExp(`probe offender\\s+= model\\.layers\\.1\\.self_attn forward output: error ${numbers[0]} vs baseline ${numbers[1]}, bound ${numbers[2]}`),
    );
    expect(probeText(r.probe!)).toMatch(new RegExp(`\\nmodel\\.layers\\.1\\.self_attn +forward output +fwd 20 +${numbers[0]} +${numbers[1]} +${numbers[2]} `));
    const json = JSON.parse(JSON.stringify(buildSummary(r, CTX)));
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json.probe.first).toMatchObject({ name: 'model.layers.1.self_attn', kind: 'forward', order: 20, flagged: true });
    expect(json.probe.first.candidate_error).toBe(first.candidateError);
  });

  it('an infinite error (NaN in the candidate) is "Infinity" in summary.json and ∞ in the reports', () => {
    const r = probed({ noise: 0.004, seed: 12 });
    r.probe!.top[0] = { ...r.probe!.top[0]!, candidateError: Infinity, ratio: Infinity, flagged: true, note: '7 non-finite value(s) in the candidate' };
    const json = JSON.parse(JSON.stringify(buildSummary(r, CTX)));
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json.probe.top[0]).toMatchObject({ candidate_error: 'Infinity', ratio: 'Infinity', note: '7 non-finite value(s) in the candidate' });
    expect(renderReportMarkdown(r, CTX)).toContain('| ∞ |');
  });

  it('no probe: summary.json says null, and no report has a probe section', () => {
    const r = failResult();
    const json = JSON.parse(JSON.stringify(buildSummary(r, CTX)));
    expect(json.probe).toBeNull();
    expect(validate(json)).toBe(true);
    expect(renderReportMarkdown(r, CTX)).not.toContain('Probe');
    expect(renderReportHtml(r, CTX, ASSETS)).not.toContain('id="probe"');
    expect(renderResultLog(r, CTX)).not.toMatch(/^probe/m);
  });

  it('under a small comment budget the offenders table is cut, the probe headline stays', () => {
    const r = probed({ noise: 0.004, seed: 12, forwardFault: { from: 'model.embed_tokens', size: 0.3 } });
    const md = renderReportMarkdown(r, CTX, { limit: 6000 });
    expect(Buffer.byteLength(md)).toBeLessThan(6000);
    expect(unescapeMd(md)).toContain('first differing module: model.embed_tokens');
  });
});
