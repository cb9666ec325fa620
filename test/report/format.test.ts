import { describe, expect, it } from 'vitest';
import { byteSize, clip, formatBounds, formatDuration, formatNumber, formatPercent, formatRatio, formatValue, relativeDelta } from '../../src/report/format.js';
import { mdLink, mdText, fitRows } from '../../src/report/markdown.js';

describe('format', () => {
  it('formatNumber: significant digits, whole integers, names for non-finite, n/a for missing', () => {
    expect(formatNumber(2.091632914827291, 7)).toBe('2.091633');
    expect(formatNumber(14768)).toBe('14768');
    expect(formatNumber(2552.8252, 4)).toBe('2553');
    expect(formatNumber(0.5)).toBe('0.5');
    expect(formatNumber(-0.0119)).toBe('-0.0119');
    expect(formatNumber(0.0000123)).toBe('1.23e-5');
    expect(formatNumber(1e20 + 0.5)).toBe('1e20');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(NaN)).toBe('NaN');
    expect(formatNumber(Infinity)).toBe('Infinity');
    expect(formatNumber(-Infinity)).toBe('-Infinity');
    expect(formatNumber(null)).toBe('n/a');
    expect(formatNumber(undefined)).toBe('n/a');
  });

  it('formatPercent: signed by default, "NaN" for NaN', () => {
    expect(formatPercent(0.0000472457)).toBe('+0.00472 %');
    expect(formatPercent(-0.11)).toBe('-11 %');
    expect(formatPercent(0)).toBe('0 %');
    expect(formatPercent(0.005, { signed: false })).toBe('0.5 %');
    expect(formatPercent(0.031)).toBe('+3.1 %');
    expect(formatPercent(NaN)).toBe('NaN');
    expect(formatPercent(-Infinity)).toBe('-Infinity');
    expect(formatPercent(null)).toBe('n/a');
  });

  it('formatRatio: "1.12×", as the checks print ratios', () => {
    expect(formatRatio(6.5 / 5.785)).toBe('1.12×');
    expect(formatRatio(0.5)).toBe('0.50×');
    expect(formatRatio(NaN)).toBe('NaN');
  });

  it('formatValue / formatBounds follow the check unit', () => {
    expect(formatValue(0.031, 'relative')).toBe('+3.1 %');
    expect(formatValue(1.1245, 'ratio')).toBe('1.12×');
    expect(formatValue(-0.21, 'score')).toBe('-0.21 points');
    expect(formatValue(0.09375, 'score')).toBe('+0.09 points');
    expect(formatValue(null, 'absolute')).toBe('n/a');
    expect(formatBounds({ pass: 0.01, fail: 0.02 }, 'relative')).toBe('1 % / 2 %');
    expect(formatBounds({ pass: -0.5 }, 'score')).toBe('-0.50 points / -');
    expect(formatBounds({}, 'ratio')).toBe('-');
  });

  it('relativeDelta and formatDuration', () => {
    expect(relativeDelta(2, 2.02)).toBeCloseTo(0.01, 12);
    expect(relativeDelta(-2, -1)).toBe(0.5);
    expect(relativeDelta(0, 1)).toBeNull();
    expect(relativeDelta(undefined, 1)).toBeNull();
    expect(relativeDelta(2, NaN)).toBeNaN();
    expect(formatDuration(42.46)).toBe('42.5 s');
    expect(formatDuration(61)).toBe('1m 01s');
    expect(formatDuration(2552.8252)).toBe('42m 33s');
    expect(formatDuration(3723)).toBe('1h 02m 03s');
  });

  it('byteSize counts UTF-8 bytes; clip never splits a surrogate pair', () => {
    expect(byteSize('aé😀')).toBe(1 + 2 + 4);
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('ab😀cd', 4)).toBe('ab…');
    expect(clip('abc', 3)).toBe('abc');
  });
});

describe('markdown helpers', () => {
  it('mdText escapes HTML, Markdown and pipes, and flattens lines', () => {
    expect(mdText('a|b\n<i>*x*</i> [l](u) `c` _u_ & ~s~ #h')).toBe('a\\|b &lt;i&gt;\\*x\\*&lt;/i&gt; \\[l\\](u) \\`c\\` \\_u\\_ &amp; \\~s\\~ \\#h');
    expect(mdText('x'.repeat(10), 5)).toBe('xxxx…');
  });

  it('mdLink accepts only http(s) URLs and encodes the characters that end a link', () => {
    expect(mdLink('run', 'https://github.com/o/r/actions/runs/1')).toBe('[run](https://github.com/o/r/actions/runs/1)');
    expect(mdLink('run', 'https://h/a(b)')).toBe('[run](https://h/a%28b%29)');
    expect(mdLink('run', 'javascript:alert(1)')).toBeUndefined();
    expect(mdLink('run', 'https://h/a b')).toBeUndefined();
    expect(mdLink('run', undefined)).toBeUndefined();
  });

  it('fitRows keeps whole rows and counts the rest', () => {
    const rows = Array.from({ length: 20 }, (_, i) => `row ${String(i).padStart(2, '0')}\n`);
    expect(fitRows('H\n', rows, 'T\n', 1000, 'X')).toBe(`H\n${rows.join('')}T\n`);
    const cut = fitRows('H\n', rows, 'T\n', 75, 'X');
    expect(cut).toBe('H\nrow 00\nrow 01\nrow 02\n\n_(truncated: 17 more rows; see the artifact)_\nT\n');
    expect(byteSize(cut)).toBeLessThanOrEqual(75);
    const wide = rows.map((r) => r.repeat(10));
    expect(fitRows('H\n', wide, 'T\n', 80, 'Rows')).toBe('_Rows omitted (truncated: 20 more rows; see the artifact)_\n');
    expect(fitRows('H\n', wide, 'T\n', 10, 'Rows')).toBe('');
  });
});

describe('stageWhy: the status word said once', () => {
  it('drops a leading status word and the parentheses around what is left', async () => {
    const { stageWhy } = await import('../../src/report/format.js');
    expect(stageWhy('cancelled', 'cancelled (received SIGINT)')).toBe('received SIGINT');
    expect(stageWhy('cancelled', 'cancelled (the runner sent SIGINT (job cancelled or timed out))')).toBe(
      'the runner sent SIGINT (job cancelled or timed out)',
    );
    expect(stageWhy('aborted', 'aborted: early abort at step 160: grad_norm is NaN')).toBe('early abort at step 160: grad_norm is NaN');
    expect(stageWhy('failed', 'exited with code 1')).toBe('exited with code 1');
    expect(stageWhy('cancelled', '(a) and (b)')).toBe('(a) and (b)');
    expect(stageWhy('ok', undefined)).toBe('');
  });
});
