import { describe, expect, it } from 'vitest';
import { parseProbeFile } from '../../src/readers/probe.js';
import { ParseError } from '../../src/errors.js';
import { BASELINE, REFERENCE, forwardNames, gradNames, probeLines } from '../helpers/probe-files.js';

const text = (lines: string[]) => `${lines.join('\n')}\n`;

function parseError(t: string): ParseError {
  try {
    parseProbeFile(t, 'probe.jsonl');
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error('no ParseError');
}

describe('parseProbeFile', () => {
  it('reads header, batch hash, forward and grad records in file order', () => {
    const run = parseProbeFile(text(probeLines(BASELINE)), 'b.jsonl');
    expect(run).toMatchObject({ file: 'b.jsonl', mode: 'run', steps: 1, recorded: 1, complete: true, paramDtype: 'float32', device: 'cpu', torch: '2.11.0' });
    expect(run.batches).toEqual(['sha256:5f1d7a0c9e3b2a41c8d6e0f7a9b3c5d1e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2']);
    expect(run.records.filter((r) => r.kind === 'forward').map((r) => r.name)).toEqual(forwardNames());
    expect(run.records.filter((r) => r.kind === 'grad').map((r) => r.name)).toEqual(gradNames());
    const first = run.records[0]!;
    expect(first).toMatchObject({ kind: 'forward', step: 0, order: 0, call: 0, output: '0', shape: [8, 256, 256], dtype: 'bfloat16', nonfinite: 0, line: 3 });
    expect(first.sample).toHaveLength(16);
  });

  it('a reference run names its precision', () => {
    expect(parseProbeFile(text(probeLines(REFERENCE)), 'r.jsonl')).toMatchObject({ mode: 'reference', reference: 'fp64' });
  });

  it('bare NaN and Infinity (Python json.dumps) are read as numbers', () => {
    const lines = probeLines(BASELINE);
    lines[2] = lines[2]!
      .replace(/"norm":[^,]+/, '"norm":NaN')
      .replace(/"absmax":[^,]+/, '"absmax":Infinity')
      .replace('"nonfinite":0', '"nonfinite":3');
    const r = parseProbeFile(text(lines), 'b.jsonl').records[0]!;
    expect(r.norm).toBeNaN();
    expect(r.absmax).toBe(Infinity);
    expect(r.nonfinite).toBe(3);
  });

  it('without the "end" line the run is incomplete', () => {
    expect(parseProbeFile(text(probeLines({ ...BASELINE, truncated: true })), 'b.jsonl').complete).toBe(false);
  });

  it('bad input names the file, line and key', () => {
    expect(parseError('{"kind": "batch", "step": 0}\n').message).toMatch(/not a probe file/);
    const lines = probeLines(BASELINE);
    const broken = [...lines];
    broken[4] = broken[4]!.replace('"sample":[', '"sample":["x",');
    const e = parseError(text(broken));
    expect([e.line, e.key]).toEqual([5, 'sample']);
    expect(e.message).toMatch(/"sample\[0\]" should be a number/);
    const short = [...lines];
    short[3] = short[3]!.replace(/"index":\[\d+,/, '"index":[');
    expect(parseError(text(short)).message).toMatch(/"index" has 15 entries but "sample" 16/);
    const v2 = [...lines];
    v2[0] = v2[0]!.replace('"version":1', '"version":2');
    expect(parseError(text(v2)).message).toMatch(/version 2; this gate reads version 1/);
    expect(parseError(text([lines[0]!, lines[2]!])).message).toMatch(/before the first "batch" line/);
    expect(parseError(text([...lines, lines[2]!])).message).toMatch(/a line after the "end" line/);
    expect(parseError(text([lines[0]!, lines[1]!, '{"kind": "weights"}'])).message).toMatch(/unknown record kind/);
    expect(parseError('').message).toMatch(/empty probe file/);
    expect(parseError(`${lines[0]}\n${lines[1]}\n{"kind": "forward", "ste`).message).toMatch(/truncated/);
  });
});
