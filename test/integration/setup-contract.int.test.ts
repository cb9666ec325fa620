// `node dist/cli.js compare` with the setup contract (issue 25 parts 1–2), as a user runs it: a FAIL
// that names its cause and onset in the console, report.md and summary.json; arms that cannot be
// aligned are INVALID "not comparable" (exit 4), not a curve FAIL.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/constants.js';
import { RECORDED, runCli, tempDir } from '../helpers/cli.js';
import { hfRun, TINY_HEADER } from '../helpers/hf-setup.js';

async function compare(baseline: string, candidate: string) {
  const out = tempDir('setup-compare-');
  const res = await runCli(['compare', '--baseline-run', baseline, '--candidate-run', candidate, '--out', out]);
  const read = (f: string) => (existsSync(path.join(out, f)) ? readFileSync(path.join(out, f), 'utf8') : '');
  return { ...res, summary: JSON.parse(read('summary.json') || 'null'), md: read('report.md'), html: read('report.html') };
}

describe('compare: the setup contract and the onset', () => {
  it('LR × 0.8 (recorded): FAIL, exit 1, the cause and the onset in the console, report.md and summary.json', async () => {
    const r = await compare(path.join(RECORDED, 'calibration', 'aa-seed-1'), path.join(RECORDED, 'calibration', 'reg-lr-0.8'));
    expect(r.code).toBe(ExitCode.Fail);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    const cause = "the candidate's logged learning_rate is 0.80× the baseline's at every step: the schedule differs, not the numerics";
    expect(r.summary.headline).toContain(`probable cause: ${cause}`);
    expect(r.summary.headline).toContain('onset at step 135');
    expect(r.summary.setup.causes).toEqual([cause]);
    expect(r.stdout).toMatch(/probable cause +\s= the candidate's logged learning_rate is 0\.80×/);
    expect(r.stdout).toContain('onset at step 135');
    expect(r.md).toContain('### Setup contract');
    expect(r.md).toMatch(/bar \[/);
    expect(r.html).toContain('<section id="setup">');
  });

  it('different numbers of examples (HF header): INVALID "not comparable", exit 4, though the curves differ', async () => {
    const tmp = tempDir('setup-nc-');
    const base = hfRun(path.join(RECORDED, 'eager'), path.join(tmp, 'base'), TINY_HEADER);
    const cand = hfRun(path.join(RECORDED, 'data-seed-2'), path.join(tmp, 'cand'), { ...TINY_HEADER, numExamples: 11760 });
    const r = await compare(base, cand);
    expect(r.code).toBe(ExitCode.Invalid);
    expect(r.summary.verdict).toBe('invalid');
    expect(r.summary.headline).toMatch(/^INVALID: not comparable: the arms differ in Num examples 23,520 vs 11,760 \(baseline vs candidate\)/);
    expect(r.summary.setup.not_comparable).toBe('not comparable: the arms differ in Num examples 23,520 vs 11,760 (baseline vs candidate)');
    expect(r.summary.checks.filter((c: { verdict: string }) => c.verdict === 'fail')).toEqual([]);
    expect(r.md).toContain('| Num examples | 23,520 | 11,760 | ❌ differs (not comparable) |');
  });
});
