// metrics.json: what any script writes for the custom evaluator (docs/evaluators.md).
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parseCustomMetrics, readCustomMetrics } from '../../src/readers/custom-metrics.js';
import { tempDir } from '../helpers/cli.js';

function parseError(text: string): ParseError {
  try {
    parseCustomMetrics(text, 'metrics.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  throw new Error('expected a ParseError');
}

describe('custom metrics file', () => {
  it('reads a list (Python json.dump style, bare NaN kept) with defaults for the optional keys', () => {
    const dir = tempDir('custom-');
    const file = path.join(dir, 'metrics.json');
    writeFileSync(
      file,
      `[
  {"name": "pass@1", "value": 0.42, "higher_is_better": true, "tolerance": 0.02, "samples": [1, 0, 1]},
  {"name": "latency_ms", "value": NaN, "higher_is_better": false, "tolerance": 0.05, "relative": true, "unit": "ms"}
]
`,
    );
    const m = readCustomMetrics(file);
    expect(m.source).toBe(file);
    expect(m.metrics[0]).toEqual({ name: 'pass@1', value: 0.42, higherIsBetter: true, tolerance: 0.02, relative: false, samples: [1, 0, 1] });
    expect(m.metrics[1]).toMatchObject({ name: 'latency_ms', higherIsBetter: false, tolerance: 0.05, relative: true });
    expect(m.metrics[1].value).toBeNaN();
    expect(m.metrics[1].samples).toBeUndefined();
  });

  it('reads {"metrics": [...]} too', () => {
    const m = parseCustomMetrics('{"metrics": [{"name": "bleu", "value": 31.2, "higher_is_better": true, "tolerance": 0.5}], "model": "x"}', 'm.json');
    expect(m.metrics.map((x) => x.name)).toEqual(['bleu']);
  });

  it('names the key of every wrong or missing field', () => {
    expect(parseError('[{"name": "a", "value": 1, "higher_is_better": true}]').message).toBe('missing key "[0].tolerance"');
    expect(parseError('[{"name": "a", "value": "1", "higher_is_better": true, "tolerance": 0}]').key).toBe('[0].value');
    expect(parseError('[{"name": "a", "value": 1, "higher_is_better": "yes", "tolerance": 0}]').message).toBe(
      '"[0].higher_is_better" should be true or false, got the string "yes"',
    );
    expect(parseError('[{"name": "a", "value": 1, "higher_is_better": true, "tolerance": -1}]').message).toMatch(/tolerance" should be a finite number >= 0/);
    expect(parseError('{"metrics": [{"name": "a", "value": 1, "higher_is_better": true, "tolerance": 0, "samples": [1, "x"]}]}').key).toBe(
      'metrics[0].samples[1]',
    );
    expect(
      parseError('[{"name": "a", "value": 1, "higher_is_better": true, "tolerance": 0}, {"name": "a", "value": 2, "higher_is_better": true, "tolerance": 0}]')
        .message,
    ).toBe('metric "a" is listed twice');
    expect(parseError('{"accuracy": 0.5}').message).toMatch(/should be a list of metrics or \{"metrics": \[\.\.\.\]\}/);
    expect(parseError('[]').message).toBe('no metrics in the file');
  });

  it('a JSON syntax error names the line', () => {
    const e = parseError('[\n  {"name": "a",\n   "value": 1,,\n');
    expect(e.line).toBe(3);
  });
});
