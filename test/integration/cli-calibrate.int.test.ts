// `node dist/cli.js calibrate` as a user runs it: on the recorded GPU runs, by repeating the
// baseline through the pipeline (the demo's replaying trainer), and with bad input.
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { ExitCode } from '../../src/constants.js';
import { parseConfig } from '../../src/config/load-config.js';
import { RECORDED, ROOT, runCli, tempDir } from '../helpers/cli.js';
import { REPLAY } from '../helpers/gate.js';

const rec = (name: string) => path.join(RECORDED, name);

function onlyDir(root: string): string {
  const names = readdirSync(root).filter((n) => /^\d{8}_\d{6}/.test(n));
  expect(names).toHaveLength(1);
  return path.join(root, names[0] as string);
}

/** The YAML after the table: from the snippet's first comment line to the end. */
const snippetOf = (stdout: string) => stdout.slice(stdout.indexOf('# Suggested by accuracy-gate calibrate'));

describe('accuracy-gate calibrate', () => {
  it('on the recorded runs (eager, eager-rerun, data-seed-2): table, files and a pasteable snippet', async () => {
    const out = tempDir('cal-out-');
    const r = await runCli(['calibrate', '--runs', rec('eager'), rec('eager-rerun'), rec('data-seed-2'), '--out', out]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(ExitCode.Pass);
    expect(r.stdout).toContain('3 A/A runs (eager, eager-rerun, data-seed-2)');
    // data-seed-2 moves the curve by ~3 % (gap #2) against eager either way round: 4 of 6 ordered pairs FAIL today.
    expect(r.stdout).toMatch(/loss-curve\s+3 %\s+\S+ -> \S+\s+1 % \/ 2 %\s+4\/6\s+0\/6/);
    expect(r.stdout).toMatch(/train-loss\s+0\.81 %/);
    expect(r.stdout).toMatch(/probability 2\/\(N\+1\) = 50 %/);
    expect(r.stdout).toMatch(/eval-loss-docs: not gated with these inputs: .*24 documents < 50/);
    const snippet = snippetOf(r.stdout);
    const config = parseConfig(snippet, 'snippet');
    const dir = onlyDir(out);
    const json = JSON.parse(readFileSync(path.join(dir, 'calibration.json'), 'utf8'));
    const curve = json.checks.find((c: { id: string }) => c.id === 'loss-curve');
    expect(config.checks.lossCurve.pass).toBeGreaterThanOrEqual(1.5 * curve.noise.largest);
    expect(config.checks.lossCurve.fail).toBeGreaterThanOrEqual(3 * curve.noise.largest);
    expect(json.runs).toEqual(['eager', 'eager-rerun', 'data-seed-2']);
    expect(json.checks.find((c: { id: string }) => c.id === 'train-loss').observations).toHaveLength(6);
    expect(readFileSync(path.join(dir, 'calibration.md'), 'utf8')).toContain('| train-loss |');
    expect(readFileSync(path.join(dir, 'checks.yml'), 'utf8')).toBe(snippet);
  });

  it('the H200 calibration matrix (docs/calibration.md): data-order A/A widens the bounds until regressions pass', async () => {
    const cal = path.join(RECORDED, 'calibration');
    const seeds = [1, 2, 3, 4, 5, 6].map((k) => path.join(cal, `aa-seed-${k}`));
    const same = ['aa-seed-1', 'par-compile', 'par-attn-eager', 'par-grad-ckpt'].map((n) => path.join(cal, n));
    const largest = async (runs: string[], out: string) => {
      const r = await runCli(['calibrate', '--runs', ...runs, '--out', out]);
      expect(r.code, r.stderr).toBe(ExitCode.Pass);
      const json = JSON.parse(readFileSync(path.join(onlyDir(out), 'calibration.json'), 'utf8'));
      const by = (id: string) => json.checks.find((c: { id: string }) => c.id === id).noise.largest;
      return {
        snippet: path.join(onlyDir(out), 'checks.yml'),
        values: ['train-loss', 'loss-curve', 'loss-tail', 'eval-loss'].map((id) => +(by(id) * 100).toPrecision(2)),
      };
    };
    const a = await largest(seeds, tempDir('cal-a-'));
    const b = await largest(same, tempDir('cal-b-'));
    expect(a.values).toEqual([2.4, 5.2, 4.8, 3]);
    expect(b.values).toEqual([0.26, 0.62, 0.22, 0.68]);
    const verdict = async (candidate: string, config?: string) =>
      (await runCli(['compare', '--baseline-run', seeds[0], '--candidate-run', path.join(cal, candidate), ...(config ? ['--config', config] : [])])).code;
    expect(await verdict('reg-pure-bf16')).toBe(ExitCode.Fail);
    expect(await verdict('reg-pure-bf16', a.snippet)).toBe(ExitCode.Pass);
    expect(await verdict('reg-pure-bf16', b.snippet)).toBe(ExitCode.Fail);
    expect(await verdict('reg-lr-0.9', b.snippet)).toBe(ExitCode.Inconclusive);
    expect(await verdict('aa-seed-2', b.snippet)).toBe(ExitCode.Fail);
  });

  it('--mtbench: real FastChat judgment files (two models, so not an A/A set: the reading path and the rule)', async () => {
    const d = path.join(ROOT, 'test', 'fixtures', 'mtbench', 'real-gemini-vs-test_ar');
    const out = tempDir('cal-mt-');
    const r = await runCli([
      'calibrate',
      '--runs',
      rec('eager'),
      rec('eager-rerun'),
      '--mtbench',
      path.join(d, 'gpt-4_single.jsonl'),
      '--mtbench',
      path.join(d, 'test_ar.jsonl'),
      '--model-ids',
      'gemini-1.5-flash',
      'test_ar',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(ExitCode.Pass);
    const json = JSON.parse(readFileSync(path.join(onlyDir(out), 'calibration.json'), 'utf8'));
    const mt = json.checks.find((c: { id: string }) => c.id === 'mtbench');
    expect(mt.observations).toHaveLength(2);
    const below = Math.max(...mt.observations.map((o: { ciLower: number }) => -o.ciLower));
    expect(mt.noise.largest).toBe(below);
    expect(mt.suggested.bounds.pass).toBeGreaterThanOrEqual(1.5 * below);
    expect(r.stdout).toMatch(/2 MT-Bench-judged checkpoints: .*record at least 3/);
    expect(parseConfig(snippetOf(r.stdout), 'snippet').checks.mtbench.margin).toBe(mt.suggested.bounds.pass);
  });

  it('--repeat K trains the baseline K times through the pipeline (cache off) and calibrates on them', async () => {
    const dir = tempDir('cal-repeat-');
    mkdirSync(path.join(dir, 'model'));
    writeFileSync(path.join(dir, 'model', 'config.json'), '{"model_type": "llama"}\n');
    // Repeat 2 replays another data order; the others the eager run: the script picks by ACCURACY_GATE_REPEAT.
    const train = `node ${REPLAY} --run ${RECORDED}/$([ "$ACCURACY_GATE_REPEAT" = 2 ] && echo data-seed-2 || echo eager) --output {output} --speed 40`;
    const cfg = path.join(dir, 'gate.yml');
    writeFileSync(
      cfg,
      stringify({
        name: 'cal',
        model: path.join(dir, 'model'),
        workdir: dir,
        arms: { baseline: { train }, candidate: { train: 'false' } },
        cache: { enabled: true, dir: path.join(dir, 'cache') },
      }),
    );
    const r = await runCli(['calibrate', '--repeat', '3', '--config', cfg, '--out', path.join(dir, 'cal')], { cwd: dir, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(ExitCode.Pass);
    expect(r.stdout).toContain('3 A/A runs (repeat-1, repeat-2, repeat-3)');
    expect(r.stdout).toMatch(/loss-curve\s+3 %/);
    const calDir = onlyDir(path.join(dir, 'cal'));
    // `.runs` is the result root's run order (src/engine/run-order.ts), not a run.
    const runs = readdirSync(path.join(calDir, 'runs')).filter((n) => n !== '.runs');
    expect(runs).toHaveLength(3);
    for (const run of runs) expect(readFileSync(path.join(calDir, 'runs', run, 'baseline_training.log'), 'utf8')).toContain("'loss'");
    // Cache off for the repeats: nothing stored.
    expect(() => readdirSync(path.join(dir, 'cache'))).toThrow();
  });

  it('--history: the nightly baselines with unchanged inputs', async () => {
    const dir = tempDir('cal-hist-');
    const file = path.join(dir, 'history.jsonl');
    const line = (date: string, trainLoss: number, extra: object) =>
      JSON.stringify({
        date,
        verdict: 'pass',
        labels: { baseline: 'Torch', candidate: 'TorchAcc' },
        baseline: { trainLoss, evalLoss: trainLoss - 0.14, stepsPerSecond: 34 },
        candidate: { trainLoss, evalLoss: null, stepsPerSecond: 40 },
        checks: {},
        ...extra,
      });
    writeFileSync(
      file,
      [
        line('2026-11-24T02:00:00Z', 1.8808, { baselineCacheKey: 'k', baselineCached: false }),
        line('2026-11-25T02:00:00Z', 1.8808, { baselineCacheKey: 'k', baselineCached: true }),
        line('2026-11-26T02:00:00Z', 1.8817, { baselineCacheKey: 'k', baselineCached: false }),
        line('2026-11-27T02:00:00Z', 1.8799, { baselineCacheKey: 'k', baselineCached: false }),
      ].join('\n') + '\n',
    );
    const r = await runCli(['calibrate', '--history', file, '--out', path.join(dir, 'cal')], { cwd: dir });
    expect(r.code, r.stderr).toBe(ExitCode.Pass);
    expect(r.stdout).toContain('3 A/A runs');
    expect(r.stdout).toMatch(/note: history entries left out: 1 whose baseline came from the cache/);
    expect(r.stdout).toMatch(/train-loss\s+0\.096 %/);
    expect(parseConfig(snippetOf(r.stdout), 'snippet').checks.trainLoss.pass).toBe(0.0015);
  });

  it('bad input: one line naming what is wrong, exit 2', async () => {
    const bad = tempDir('cal-bad-');
    mkdirSync(path.join(bad, 'broken'));
    writeFileSync(path.join(bad, 'broken', 'trainer_state.json'), '{"log_history": [ {"loss": 1.2, "step": 5}, \n');
    const cases: [string[], RegExp][] = [
      [['calibrate', '--runs', rec('eager')], /--runs needs at least 2 trainer output dirs/],
      [['calibrate'], /exactly one of --runs DIR DIR \.\.\., --repeat K, --history FILE/],
      [['calibrate', '--runs', rec('eager'), path.join(bad, 'missing')], /missing: not a directory/],
      [['calibrate', '--runs', rec('eager'), path.join(bad, 'broken')], /broken[/\\]trainer_state\.json/],
      [['calibrate', '--runs', rec('eager'), rec('eager-rerun'), '--pass-factor', '0.5'], /--pass-factor must be a number >= 1/],
      [['calibrate', '--runs', rec('eager'), rec('eager-rerun'), '--mtbench', path.join(bad, 'j.jsonl')], /--mtbench needs --model-ids/],
      [['calibrate', '--history', path.join(bad, 'none.jsonl')], /none\.jsonl: history file not found/],
      [['calibrate', '--repeat', '1'], /--repeat must be a whole number >= 2/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, { cwd: bad });
      expect(r.code, args.join(' ')).toBe(ExitCode.Usage);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
