import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../src/model.js';
import { renderJunit, xmlEscape } from '../../src/report/junit.js';
import { CTX, failResult, invalidResult, passResult } from './results.js';

interface Element {
  name: string;
  attrs: Record<string, string>;
  children: Element[];
  text: string;
}

const ENTITY = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function decode(s: string): string {
  if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(s)) throw new Error(`bare & in ${JSON.stringify(s)}`);
  return s.replace(ENTITY, (_, e: string) =>
    e === 'amp'
      ? '&'
      : e === 'lt'
        ? '<'
        : e === 'gt'
          ? '>'
          : e === 'quot'
            ? '"'
            : e === 'apos'
              ? "'"
              : String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1))),
  );
}

/** A strict little XML 1.0 parser, enough to prove the output is well-formed and to read it back. */
function parseXml(xml: string): Element {
  if (FORBIDDEN.test(xml)) throw new Error('forbidden control character');
  const body = xml.replace(/^<\?xml version="1.0" encoding="UTF-8"\?>\n/, '');
  const root: Element = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < body.length) {
    token.lastIndex = pos;
    m = token.exec(body);
    if (!m) throw new Error(`not well-formed at ${pos}: ${body.slice(pos, pos + 40)}`);
    pos = token.lastIndex;
    const top = stack[stack.length - 1];
    if (m[5] !== undefined) {
      top.text += decode(m[5]);
      continue;
    }
    if (m[1]) {
      if (top.name !== m[2]) throw new Error(`</${m[2]}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of m[3].matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
      if (a[1] in attrs) throw new Error(`duplicate attribute ${a[1]}`);
      attrs[a[1]] = decode(a[2]);
    }
    const el: Element = { name: m[2], attrs, children: [], text: '' };
    top.children.push(el);
    if (!m[4]) stack.push(el);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  const elements = root.children;
  if (elements.length !== 1) throw new Error('not exactly one root element');
  return elements[0];
}

const cases = (root: Element) => root.children[0].children.filter((c) => c.name === 'testcase');

describe('renderJunit', () => {
  it('writes one suite with one passing test case per check; info checks pass with their numbers in system-out', () => {
    const root = parseXml(renderJunit(passResult(), CTX));
    expect(root.name).toBe('testsuites');
    expect(root.children).toHaveLength(1);
    const suite = root.children[0];
    expect(suite.attrs).toMatchObject({ name: 'accuracy-gate: torchacc-llama', tests: '4', failures: '0', errors: '0', skipped: '0' });
    expect(suite.attrs.time).toBe('6152.500');
    const props = suite.children.find((c) => c.name === 'properties')?.children.map((p) => [p.attrs.name, p.attrs.value]);
    expect(props).toContainEqual(['verdict', 'pass']);
    expect(props).toContainEqual(['commit', 'ffe8c0c']);
    const tc = cases(root);
    expect(tc.map((c) => c.attrs.name)).toEqual([
      'train-loss: Whole-run train loss',
      'loss-curve: Per-step loss curve',
      'mtbench: MT-Bench score',
      'speed: Throughput',
    ]);
    expect(tc.every((c) => c.attrs.classname === 'torchacc-llama')).toBe(true);
    expect(tc.every((c) => c.children.every((ch) => ch.name === 'system-out'))).toBe(true);
    expect(tc[3].children[0].text).toBe(
      'verdict: INFO\nvalue: 1.12× of baseline (faster)\nbounds (pass / fail): -\nreason: speedup 1.124x\nbaseline: 5.785\ncandidate: 6.5',
    );
  });

  it('maps fail → <failure>, inconclusive → <failure type="inconclusive">, invalid → <error>', () => {
    const r: GateResult = passResult();
    r.checks[0].verdict = 'fail';
    r.checks[1].verdict = 'inconclusive';
    r.checks[2].verdict = 'invalid';
    const root = parseXml(renderJunit(r, CTX));
    expect(root.children[0].attrs).toMatchObject({ tests: '4', failures: '2', errors: '1', skipped: '0' });
    const [a, b, c, d] = cases(root);
    expect(a.children[0]).toMatchObject({ name: 'failure', attrs: { type: 'fail', message: 'relative difference +0.00472 % <= 0.5 %' } });
    expect(b.children[0]).toMatchObject({ name: 'failure', attrs: { type: 'inconclusive' } });
    expect(c.children[0]).toMatchObject({ name: 'error', attrs: { type: 'invalid' } });
    expect(c.children[0].text).toContain('ci_low: -0.21');
    expect(d.children[0].name).toBe('system-out');
  });

  it('follows fail-on: under the action\'s fail-on "fail" an INCONCLUSIVE check is <skipped>, not <failure> (the step passes)', () => {
    const r: GateResult = passResult();
    r.verdict = 'inconclusive';
    r.checks[1].verdict = 'inconclusive';
    const lenient = parseXml(renderJunit(r, { ...CTX, failOn: ['invalid', 'fail'] }));
    expect(lenient.children[0].attrs).toMatchObject({ failures: '0', errors: '0', skipped: '1' });
    const b = cases(lenient)[1];
    expect(b.children[0].name).toBe('skipped');
    expect(b.children[0].attrs.message).toMatch(/^INCONCLUSIVE \(not a failure under fail-on: fail\): /);
    expect(b.children[1]).toMatchObject({ name: 'system-out' });
    expect(b.children[1].text).toContain('verdict: INCONCLUSIVE');
    // fail-on "fail,inconclusive" (and the CLI, which exits 3): a failure.
    for (const ctx of [{ ...CTX, failOn: ['invalid', 'fail', 'inconclusive'] }, CTX]) {
      const strict = parseXml(renderJunit(r, ctx));
      expect(strict.children[0].attrs).toMatchObject({ failures: '1', skipped: '0' });
      expect(cases(strict)[1].children[0]).toMatchObject({ name: 'failure', attrs: { type: 'inconclusive' } });
    }
  });

  it('adds test cases for stages that did not finish and for input problems, so INVALID is never green', () => {
    const fail = parseXml(renderJunit(failResult(), CTX));
    expect(fail.children[0].attrs).toMatchObject({ tests: '4', failures: '2', errors: '1', skipped: '1' });
    const [, , aborted, skipped] = cases(fail);
    expect(aborted.attrs).toMatchObject({ name: 'stage train-candidate: Train TorchAcc (candidate)', classname: 'torchacc-llama.stages' });
    expect(aborted.children[0]).toMatchObject({ name: 'error', attrs: { type: 'aborted', message: 'ABORTED: loss NaN at step 150; signal SIGTERM' } });
    expect(aborted.children[1]).toMatchObject({ name: 'system-out', text: 'log: acc_training.log' });
    expect(skipped.children[0]).toMatchObject({ name: 'skipped', attrs: { message: 'SKIPPED: candidate aborted' } });

    const invalid = parseXml(renderJunit(invalidResult(), CTX));
    const tc = cases(invalid);
    expect(tc.map((c) => c.attrs.classname)).toEqual(['torchacc-llama', 'torchacc-llama.stages', 'torchacc-llama.problems']);
    expect(tc[2].children[0]).toMatchObject({ name: 'error', attrs: { message: '2 input problems: file not found' } });
    expect(tc[2].children[0].text).toBe("runs/acc/train_results.json: file not found\nruns/acc/training.log: no final metrics dict ({'train_runtime': ...})");
  });

  it('escapes <, &, quotes and line breaks, and replaces characters XML 1.0 cannot hold', () => {
    const nasty = `a<b & "c" 'd' ]]> \u0000\u0001\u001b\uFFFF \uD800 x\ny\tz 😀`;
    const r = passResult();
    r.checks[0] = { ...r.checks[0], verdict: 'fail', id: `id<&"'>`, title: nasty, reason: nasty, numbers: { [nasty]: nasty } };
    const xml = renderJunit(r, { ...CTX, gateName: 'g<&">', provenance: { [`k"<`]: nasty } });
    const root = parseXml(xml);
    const cleaned = `a<b & "c" 'd' ]]> \uFFFD\uFFFD\uFFFD\uFFFD \uFFFD x\ny\tz 😀`;
    expect(root.children[0].attrs.name).toBe('accuracy-gate: g<&">');
    const tc = cases(root)[0];
    expect(tc.attrs.name).toBe(`id<&"'>: ${cleaned}`);
    expect(tc.attrs.classname).toBe('g<&">');
    // Line breaks and tabs in attributes survive as character references.
    expect(tc.children[0].attrs.message).toBe(cleaned);
    expect(tc.children[0].text).toContain(`${cleaned}: ${cleaned}`);
    expect(xml).not.toMatch(/]]>/);
    expect(xml).toContain('&#10;y&#9;z');
    const props = root.children[0].children[0].children;
    expect(props.find((p) => p.attrs.name === 'k"<')?.attrs.value).toBe(cleaned);
  });

  it('the checker used here rejects what is not well-formed', () => {
    expect(() => parseXml('<a b="<"/>')).toThrow();
    expect(() => parseXml('<a>&</a>')).toThrow();
    expect(() => parseXml('<a>\u0001</a>')).toThrow();
    expect(() => parseXml('<a><b></a>')).toThrow();
    expect(() => parseXml('<a/><b/>')).toThrow();
    expect(parseXml('<a x="&lt;&#10;">t&amp;</a>')).toMatchObject({ attrs: { x: '<\n' }, text: 't&' });
  });

  it('xmlEscape keeps surrogate pairs and escapes the five specials', () => {
    expect(xmlEscape(`<&>"'😀`)).toBe('&lt;&amp;&gt;&quot;&apos;😀');
    expect(xmlEscape('\uDC00a\uD83D')).toBe('\uFFFDa\uFFFD');
    expect(xmlEscape('a\nb', true)).toBe('a&#10;b');
  });
});
