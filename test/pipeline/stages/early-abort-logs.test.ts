// Live early abort as the train stage runs it: the candidate's log lines go through the tracker,
// placed on the baseline's logging grid, into the monitor. Logs written the way the HF Trainer
// writes them (the recorded tqdm logs; PrinterCallback with disable_tqdm=True; lagging bars), for
// every recorded A/A and parity pair: zero false aborts; a diverging run is still stopped within
// one logging interval of its first anomalous logged point.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../src/checks/policy.js';
import { BUILTIN_CONFIG } from '../../../src/config/defaults.js';
import { createEarlyAbort, type AbortDecision } from '../../../src/pipeline/stages/early-abort.js';
import { LineSplitter, LogTracker } from '../../../src/readers/log-lines.js';
import { hintsFromCurve, type StepHints } from '../../../src/readers/step-placement.js';
import { readTrainerOutput } from '../../../src/readers/trainer-output.js';
import { hfLog, readState, type HfLogStyle } from '../../helpers/hf-log.js';

const RECORDED = fileURLToPath(new URL('../../../examples/recorded/', import.meta.url));
const baselineRun = readTrainerOutput(join(RECORDED, 'eager'));
const baseline = baselineRun.curve;

const monitorOptions = {
  baseline,
  bound: BUILTIN_CONFIG.earlyAbort.bound,
  consecutive: BUILTIN_CONFIG.earlyAbort.consecutive,
  emaAlpha: DEFAULT_POLICY.lossCurve.emaAlpha,
  warmupFraction: DEFAULT_POLICY.lossCurve.warmupFraction,
};

/** What train-stage does with each loss event: placed points to the monitor, unplaced ones to NaN/Inf rules only. */
function watch(text: string, hints: StepHints, chunk = 4096): { decision?: AbortDecision & { abort: true }; unplaced?: string; seen: number } {
  const monitor = createEarlyAbort(monitorOptions);
  const nanOnly = createEarlyAbort({ baseline: [], bound: Infinity, consecutive: 1, emaAlpha: 1, warmupFraction: 0 });
  const tracker = new LogTracker(hints);
  const splitter = new LineSplitter();
  let unplaced: string | undefined;
  let seen = 0;
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += chunk) lines.push(...splitter.push(text.slice(i, i + chunk)));
  lines.push(...splitter.flush());
  const events = lines.flatMap((l) => tracker.feed(l)).concat(tracker.flush());
  for (const ev of events) {
    if (ev.kind !== 'loss') continue;
    seen++;
    unplaced ??= ev.unplaced;
    const d = (ev.unplaced !== undefined ? nanOnly : monitor).observe(ev.point);
    if (d.abort) return { decision: d, unplaced, seen };
  }
  return { unplaced, seen };
}

const STYLES: Record<string, (run: string) => string> = {
  'tqdm on (the recorded log)': (run) => readFileSync(join(RECORDED, run, 'training.log'), 'utf8'),
  ...Object.fromEntries(
    (
      [
        ['tqdm off, 5.x PrinterCallback', { version: 5, tqdm: 'off' }],
        ['tqdm off, 4.x PrinterCallback', { version: 4, tqdm: 'off' }],
        ['tqdm lagging, 4.x', { version: 4, tqdm: 'lagging' }],
        ['tqdm off, torchrun [rank0]:', { version: 5, tqdm: 'off', prefix: '[rank0]:' }],
      ] as Array<[string, HfLogStyle]>
    ).map(([name, style]) => [name, (run: string) => hfLog(readState(join(RECORDED, run)), style)]),
  ),
};

const hints = hintsFromCurve(baseline, { stepsPerEpoch: baselineRun.stepsPerEpoch });
const PAIRS = ['eager', 'eager-rerun', 'compile', 'data-seed-2', 'lr-0.95'];

describe.each(Object.entries(STYLES))('early abort from the candidate log, %s', (_name, logOf) => {
  it.each(PAIRS)('%s vs eager: never aborts, every point placed', (run) => {
    const w = watch(logOf(run), hints);
    expect(w.decision).toBeUndefined();
    expect(w.unplaced).toBeUndefined();
    expect(w.seen).toBe(80);
  });

  it.each([
    ['diverge', 155, 'extreme: stopped at once'],
    ['nan', 160, 'grad_norm is NaN at step 160'],
  ])('%s: stopped at step %i, at its first anomalous logged point', (run, step, reason) => {
    const w = watch(logOf(run), hints);
    expect(w.decision).toMatchObject({ abort: true, step });
    expect(w.decision!.reason).toContain(reason);
  });
});

describe('early abort when the candidate log cannot be placed', () => {
  it('a PrinterCallback log with no grid: nothing is compared (no false abort), NaN still stops it', () => {
    const state = (run: string) => readState(join(RECORDED, run));
    const aa = watch(hfLog(state('lr-0.95'), { version: 5, tqdm: 'off' }), {});
    expect(aa.unplaced).toMatch(/no progress bar/);
    expect(aa.decision).toBeUndefined();
    const nan = watch(hfLog(state('nan'), { version: 5, tqdm: 'off' }), {});
    expect(nan.decision).toMatchObject({ abort: true });
    expect(nan.decision!.reason).toContain('grad_norm is NaN');
  });
});

describe('early abort on the real calibration recordings (disable_tqdm=True, torchrun --tee; baseline aa-seed-1)', () => {
  const CAL = join(RECORDED, 'calibration');
  const baseRun = readTrainerOutput(join(CAL, 'aa-seed-1'));
  const base = baseRun.curve;
  const calHints = hintsFromCurve(base, { stepsPerEpoch: baseRun.stepsPerEpoch });
  const watchCal = (run: string) => {
    const monitor = createEarlyAbort({ ...monitorOptions, baseline: base });
    const tracker = new LogTracker(calHints);
    const splitter = new LineSplitter();
    const text = readFileSync(join(CAL, run, 'training.log'), 'utf8');
    const events = [...splitter.push(text), ...splitter.flush()].flatMap((l) => tracker.feed(l)).concat(tracker.flush());
    let placed = 0;
    for (const ev of events) {
      if (ev.kind !== 'loss') continue;
      expect(ev.unplaced, run).toBeUndefined();
      placed++;
      const d = monitor.observe(ev.point);
      if (d.abort) return { decision: d, placed };
    }
    return { placed };
  };
  const AA = [
    'aa-seed-1',
    'aa-seed-2',
    'aa-seed-3',
    'aa-seed-4',
    'aa-seed-5',
    'aa-seed-6',
    'par-compile',
    'par-grad-ckpt',
    'par-attn-eager',
    'torchrun',
    'torchrun-tqdm',
    'resumed',
  ];
  it.each(AA.filter((r) => existsSync(join(CAL, r))))('%s: never aborts, every point placed on the grid', (run) => {
    const w = watchCal(run);
    expect(w.decision).toBeUndefined();
    expect(w.placed).toBe(run === 'resumed' ? 40 : 80);
  });
});
