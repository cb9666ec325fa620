import { describe, expect, it } from 'vitest';
import { COMMENT_LIMIT } from '../../src/constants.js';
import type { CheckResult, GateResult } from '../../src/model.js';
import { renderReportMarkdown } from '../../src/report/report-md.js';
import { commentMarker } from '../../src/report/marker.js';
import { CTX, curve, failResult, invalidResult, passResult } from './results.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** 500 checks with long reasons, 10,000 problems, 100k-point curves, long provenance. */
function huge(): GateResult {
  const r = invalidResult();
  r.checks = Array.from({ length: 500 }, (_, i): CheckResult => ({
    id: `check-${i}`,
    title: `Check number ${i}`,
    verdict: i % 2 ? 'fail' : 'invalid',
    value: i / 1000,
    unit: 'relative',
    bounds: { pass: 0.005, fail: 0.01 },
    numbers: {},
    reason: `reason ${i} `.repeat(200),
    warning: 'w'.repeat(1000),
  }));
  r.problems = Array.from({ length: 10_000 }, (_, i) => ({ source: `file-${i}.json`, message: `problem ${i} `.repeat(20) }));
  r.training.baseline = { ...r.training.baseline!, curve: curve(100_000, 1) };
  r.training.candidate = { source: 'c', files: [], notes: [], curve: curve(100_000, 1, 1.01) };
  r.stages = Array.from({ length: 300 }, (_, i) => ({ id: `s${i}`, title: `Stage ${i}`, status: 'failed' as const, reason: 'x'.repeat(400) }));
  return r;
}

const hugeCtx = { ...CTX, provenance: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`key${i}`, 'v'.repeat(300)])) };

describe('renderReportMarkdown', () => {
  it('starts with the marker, then the verdict heading and the headline', () => {
    const md = renderReportMarkdown(passResult(), CTX);
    const lines = md.split('\n');
    expect(lines[0]).toBe('<!-- accuracy-gate:torchacc-llama -->');
    expect(lines[1]).toBe('## ✅ PASS · accuracy gate torchacc-llama');
    expect(lines[3]).toBe('**PASS: TorchAcc matches Torch within every bound**');
  });

  it('has the checks table, the numbers table with deltas, MT-Bench for three roles, the chart, provenance and links', () => {
    const md = renderReportMarkdown(passResult(), CTX);
    expect(md).toContain('| Check | Verdict | Value | Rule | Why |\n|---|---|---|---|---|\n');
    expect(md).toContain(
      '| Whole-run train loss (train-loss) | ✅ PASS | +0.00472 % | pass \\|Δ\\| ≤ 0.5 %, fail &gt; 1 % | relative difference +0.00472 % &lt;= 0.5 % |\n',
    );
    expect(md).toContain('| Throughput (speed) | ℹ️ INFO | 1.12× of baseline (faster) | reported | speedup 1.124x |\n');
    expect(md).toContain('| Metric | Torch | TorchAcc | Δ (candidate − baseline) |\n');
    expect(md).toContain('| Train loss | 2.091632914827291 | 2.0917317353245495 | +0.00472 % |\n');
    expect(md).toContain('| Train steps per second | 5.785 | 6.5 | +12.4 %: candidate 1.12× of baseline (faster) |\n');
    expect(md).toContain('| MT-Bench score | 1.1125 | 1.100629 | -0.01 points |\n');
    expect(md).toContain('Original model MT-Bench score: 1.4625\n');
    expect(md).toContain('|  | Original | Torch | TorchAcc |\n');
    expect(md).toContain('| **Average** | **1.4625** | **1.1125** | **1.100629** |\n');
    expect(md).toContain('| Dropped (score -1) | 0 | 0 | 1 |\n');
    expect(md).toContain('| math | 1.05 (n=20) | 1.05 (n=20) | 1 (n=20) |\n');
    // FastChat's category order.
    expect(md.indexOf('| writing |')).toBeLessThan(md.indexOf('| humanities |'));
    expect(md).toMatch(/```mermaid\n[^`]*xychart-beta[^`]*\n```\n/);
    expect(md).toContain('Blue: Δ = (TorchAcc − Torch) / Torch, EMA-smoothed');
    expect(md).toContain('Green: pass band ±');
    expect(md).toContain('<details><summary>Provenance</summary>');
    expect(md).toContain('| commit | ffe8c0c |\n');
    expect(md).toContain('[Workflow run](https://github.com/AlibabaPAI/torchacc/actions/runs/123)');
    expect(md).toContain('[Result artifact](https://github.com/AlibabaPAI/torchacc/actions/runs/123/artifacts/456)');
    expect(md).not.toContain('### Stages');
    expect(md).not.toContain('### Problems');
    expect(md).not.toContain('truncated');
  });

  it('says "synthetic example" prominently for demo data', () => {
    const lines = renderReportMarkdown(passResult(), { ...CTX, synthetic: true }).split('\n');
    expect(lines[1]).toBe('## ✅ PASS · accuracy gate torchacc-llama (synthetic example)');
    expect(lines[3]).toBe('> **Synthetic example**: demo data, not a real training run.');
  });

  it('shows the early abort, the stages and the chart note for a FAIL', () => {
    const md = renderReportMarkdown(failResult(), CTX);
    expect(md.split('\n')[1]).toBe('## ❌ FAIL · accuracy gate torchacc-llama');
    expect(md).toContain('> TorchAcc was stopped early at step 200: loss is NaN at step 150\n');
    expect(md).toContain('| Train TorchAcc (candidate) | ⛔ aborted | 1m 01s | SIGTERM | acc\\_training.log | loss NaN at step 150 |\n');
    expect(md).toContain('| Evaluate original model | ⏭️ skipped |  |  |  | candidate aborted |\n');
    expect(md).toContain("- TorchAcc's loss is NaN at step 150: from there on the gap is drawn at the top edge.\n");
    expect(md).toContain('| Train loss | 2.25 | NaN | NaN |\n');
  });

  it('lists problems for an INVALID and never shows a chart without curves', () => {
    const md = renderReportMarkdown(invalidResult(), CTX);
    expect(md.split('\n')[1]).toBe('## 🚫 INVALID · accuracy gate torchacc-llama');
    expect(md).toContain('### Problems\n\n- **runs/acc/train\\_results.json**: file not found\n');
    expect(md).toContain("- **runs/acc/training.log**: no final metrics dict ({'train\\_runtime': ...})\n");
    expect(md).toContain('| Train TorchAcc (candidate) | ❌ failed |  | 1 | acc\\_training.log | exit code 1 |\n');
    expect(md).not.toContain('mermaid');
  });

  it('stays under the comment limit with huge inputs, verdict first, and says what it truncated', () => {
    const r = huge();
    const md = renderReportMarkdown(r, hugeCtx); // its speed: bench/engine.ts (npm run bench)
    expect(md.length).toBeLessThan(COMMENT_LIMIT);
    expect(bytes(md)).toBeLessThan(COMMENT_LIMIT);
    expect(md.split('\n').slice(0, 2)).toEqual(['<!-- accuracy-gate:torchacc-llama -->', '## 🚫 INVALID · accuracy gate torchacc-llama']);
    expect(md).toMatch(/_\(truncated: \d+ more rows; see the artifact\)_/);
    // Every section still has a place: the big ones did not starve the small ones.
    for (const heading of ['### Checks', '### Training and evaluation', '### Stages', '### Problems', '### Loss gap']) {
      expect(md).toContain(heading);
    }
    expect(md).toContain('[Workflow run]');
    // The chart is downsampled to at most 12 labelled x positions (more run together on GitHub).
    const xAxis = /x-axis "step" \[(.*)\]/.exec(md)?.[1] ?? '';
    expect(xAxis.split(', ')).toHaveLength(12);
    // The truncation note's count is right for the checks table.
    const shown = (md.match(/\| Check number \d+ \(check-\d+\) \|/g) ?? []).length;
    expect(shown).toBeGreaterThan(0);
    expect(md).toContain(`_(truncated: ${500 - shown} more rows; see the artifact)_`);
  });

  it.each([30_000, 8000, 2000, 600, 120])('stays under a smaller limit of %i bytes, verdict still first', (limit) => {
    const md = renderReportMarkdown(huge(), hugeCtx, { limit });
    expect(bytes(md)).toBeLessThan(limit);
    expect(md.startsWith('<!-- accuracy-gate:torchacc-llama -->\n## 🚫 INVALID')).toBe(true);
  });

  it('fits the job summary limit too and keeps everything when there is room', () => {
    const r = invalidResult();
    r.problems = Array.from({ length: 5000 }, (_, i) => ({ source: `f${i}`, message: 'missing' }));
    const md = renderReportMarkdown(r, CTX, { limit: 1024 * 1024 });
    expect((md.match(/^- \*\*f\d+\*\*: missing$/gm) ?? []).length).toBe(5000);
    expect(md).not.toContain('truncated');
    const short = renderReportMarkdown(r, CTX);
    expect(short).toContain('### Problems');
    expect(short).toMatch(/_\(truncated: \d+ more rows; see the artifact\)_/);
  });

  it('escapes untrusted text: no HTML, no comment markers, no table breaks, no links', () => {
    const r = passResult();
    r.headline = 'FAIL </details><!-- accuracy-gate:other --> [x](https://evil) | *bold*';
    r.checks[0].reason = 'a | b\nc <script>alert(1)</script> & `code`';
    r.labels.candidate = 'Torch|Acc';
    const md = renderReportMarkdown(r, { ...CTX, runUrl: 'javascript:alert(1)', artifactUrl: 'https://x.test/a(b)"c' });
    expect(md.match(/<!--/g)).toHaveLength(1);
    // Ours only (MT-Bench per category, provenance): the headline's adds none.
    expect(md.match(/<\/details>/g)).toHaveLength(2);
    expect(md.match(/<details>/g)).toHaveLength(2);
    expect(md).not.toContain('<script>');
    expect(md).toContain('**FAIL &lt;/details&gt;&lt;!-- accuracy-gate:other --&gt; \\[x\\](https://evil) \\| \\*bold\\***');
    expect(md).toContain('| a \\| b c &lt;script&gt;alert(1)&lt;/script&gt; &amp; \\`code\\` |');
    expect(md).toContain('| Metric | Torch | Torch\\|Acc | Δ (candidate − baseline) |');
    expect(md).not.toContain('javascript:');
    expect(md).toContain('[Result artifact](https://x.test/a%28b%29%22c)');
  });
});

describe('commentMarker', () => {
  it('wraps the gate name in a hidden comment', () => {
    expect(commentMarker('torchacc-llama')).toBe('<!-- accuracy-gate:torchacc-llama -->');
  });

  it('escapes "--", ">" and line breaks so the comment cannot end early or nest', () => {
    const m = commentMarker('a--b-->c\nd');
    expect(m).toBe('<!-- accuracy-gate:a-%2Db-%2D%3Ec%0Ad -->');
    expect(m.slice(4, -3)).not.toContain('--');
    expect(commentMarker('---')).toBe('<!-- accuracy-gate:-%2D- -->');
    // Distinct names keep distinct markers.
    expect(commentMarker('a-%2Db')).not.toBe(commentMarker('a--b'));
  });
});
