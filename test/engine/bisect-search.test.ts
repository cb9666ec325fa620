// The bisection itself: how many commits it tests, and how skipped (INCONCLUSIVE/INVALID) ones are stepped over.
import { describe, expect, it } from 'vitest';
import { bisectCommits } from '../../src/cli/bisect.js';

const commits = [...Array(7).keys()].map((i) => `c${i + 2}`); // after good c1, up to bad c8

describe('bisectCommits', () => {
  it.each([2, 3, 4, 5, 6, 7, 8])('finds c%i in at most ceil(log2 7) tests', async (bad) => {
    const tested: string[] = [];
    const r = await bisectCommits(commits, async (sha) => {
      tested.push(sha);
      return Number(sha.slice(1)) >= bad ? 'bad' : 'good';
    });
    expect(r.culprit).toBe(`c${bad}`);
    expect(tested.length).toBeLessThanOrEqual(3);
  });

  it('a skipped commit is stepped over; all skipped between the bounds leaves suspects, no culprit', async () => {
    const r = await bisectCommits(commits, async (sha) => (sha === 'c5' ? 'skip' : Number(sha.slice(1)) >= 5 ? 'bad' : 'good'));
    expect(r.culprit).toBeUndefined();
    expect(r.suspects).toEqual(['c5', 'c6']);
    const r2 = await bisectCommits(commits, async (sha) => (sha === 'c4' ? 'skip' : Number(sha.slice(1)) >= 6 ? 'bad' : 'good'));
    expect(r2.culprit).toBe('c6');
  });
});
