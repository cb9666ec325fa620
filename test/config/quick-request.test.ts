// The quick tier as asked for from the CLI's flags and the action's inputs: one rule, each front end's words.
import { describe, expect, it } from 'vitest';
import { quickRequest } from '../../src/config/quick-request.js';
import { quickInputs } from '../../src/action/inputs.js';

const WORDS = { needsQuick: 'N needs quick', notWhole: (t: string) => `bad N "${t}"` };

describe('quickRequest', () => {
  it('off: the full gate; on: the config N, or N given (a whole number >= 1, spaces around allowed)', () => {
    expect(quickRequest(false, undefined, WORDS)).toBeUndefined();
    expect(quickRequest(true, undefined, WORDS)).toEqual({});
    expect(quickRequest(true, '60', WORDS)).toEqual({ steps: 60 });
    expect(quickRequest(true, ' 7 ', WORDS)).toEqual({ steps: 7 });
  });

  it("N without the quick tier, or N not a whole number >= 1: a usage error in the caller's words", () => {
    expect(() => quickRequest(false, '5', WORDS)).toThrow('N needs quick');
    for (const bad of ['0', '-1', '2.5', 'ten', '', '1e3', '99999999999999999999']) expect(() => quickRequest(true, bad, WORDS)).toThrow(`bad N "${bad}"`);
  });

  it("the action's inputs follow the same rule (empty is unset)", () => {
    expect(quickInputs('true', '')).toEqual({});
    expect(quickInputs('true', ' 60 ')).toEqual({ steps: 60 });
    expect(() => quickInputs('true', '1e3')).toThrow('input quick-steps: "1e3" is not a whole number >= 1');
    expect(() => quickInputs('', '5')).toThrow('input quick-steps: set, but input quick is not true');
  });
});
