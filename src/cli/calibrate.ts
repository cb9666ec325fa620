// `accuracy-gate calibrate`: A/A runs → the checks' noise, false-alarm rates, suggested bounds, the
// minimal detectable effect, and a `checks:` snippet. Sources: --runs DIR..., --repeat K (trains
// the baseline K times through the pipeline), or --history FILE (the nightly history's baselines).
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Log } from '../log.js';
import type { CliIo } from './io.js';
import { loadConfig } from '../config/load-config.js';
import { UsageError, errorMessage } from '../errors.js';
import { timestampName } from '../engine/result-dir.js';
import { calibrate, type Calibration } from '../calibrate/calibrate.js';
import { DEFAULT_FACTORS, type Factors } from '../calibrate/rule.js';
import { renderJson, renderMarkdown, renderSnippet, renderTable } from '../calibrate/render.js';
import { loadHistory, loadMtBench, loadRuns } from '../calibrate/load.js';
import { describeSkipped } from '../calibrate/history-runs.js';
import { repeatBaseline } from '../calibrate/repeat.js';
import type { AaSet } from '../calibrate/pairs.js';

export interface CalibrateFlags {
  runs?: string[];
  repeat?: string;
  history?: string;
  mtbench: string[];
  modelIds?: string[];
  config?: string;
  out?: string;
  passFactor?: string;
  failFactor?: string;
  verbose?: boolean;
}

function factor(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const x = Number(raw);
  if (!Number.isFinite(x) || x < 1)
    throw new UsageError(`${flag} must be a number >= 1 (a bound below the largest A/A value would fail A/A runs), got "${raw}"`);
  return x;
}

function factorsOf(flags: CalibrateFlags): Factors {
  const c1 = factor(flags.passFactor, '--pass-factor', DEFAULT_FACTORS.c1);
  const c2 = factor(flags.failFactor, '--fail-factor', Math.max(DEFAULT_FACTORS.c2, c1));
  if (c2 < c1) throw new UsageError(`--fail-factor (${c2}) must be >= --pass-factor (${c1})`);
  return { c1, c2 };
}

function checkSources(flags: CalibrateFlags): void {
  const given = [flags.runs?.length ? '--runs' : null, flags.repeat !== undefined ? '--repeat' : null, flags.history ? '--history' : null].filter(Boolean);
  if (given.length !== 1)
    throw new UsageError(`calibrate takes exactly one of --runs DIR DIR ..., --repeat K, --history FILE${given.length ? ` (got ${given.join(' and ')})` : ''}`);
  if (flags.runs && flags.runs.length < 2)
    throw new UsageError(`--runs needs at least 2 trainer output dirs of the same configuration (got ${flags.runs.length})`);
  const ids = flags.modelIds ?? [];
  if (flags.mtbench.length && ids.length < 2) throw new UsageError('--mtbench needs --model-ids ID ID ... (at least 2 MT-Bench model ids of A/A checkpoints)');
  if (ids.length && !flags.mtbench.length) throw new UsageError('--model-ids needs --mtbench FILE (the judgment JSONL)');
  if ((flags.mtbench.length || ids.length) && flags.history)
    throw new UsageError('--mtbench does not combine with --history (the history holds MT-Bench averages, not judgments)');
  if (new Set(ids).size !== ids.length) throw new UsageError('--model-ids lists a model id twice');
}

export async function calibrateCommand(flags: CalibrateFlags, io: CliIo, log: Log): Promise<Calibration> {
  checkSources(flags);
  const factors = factorsOf(flags);
  const { config, source } = loadConfig(flags.config, process.cwd());
  const started = new Date();
  const dir = path.resolve(flags.out ?? 'calibration', timestampName(started));
  const extraNotes: string[] = [];
  let set: AaSet;
  if (flags.runs) {
    set = { runs: loadRuns(flags.runs, config), mtbench: flags.mtbench.length ? loadMtBench(flags.mtbench, flags.modelIds ?? []) : [] };
  } else if (flags.repeat !== undefined) {
    const k = Number(flags.repeat);
    if (!Number.isInteger(k) || k < 2) throw new UsageError(`--repeat must be a whole number >= 2, got "${flags.repeat}"`);
    if (flags.mtbench.length) throw new UsageError('--mtbench does not combine with --repeat (each repeat is evaluated as the config says)');
    const made = await repeatBaseline(config, source, k, path.join(dir, 'runs'), log, flags.verbose ? (l) => io.stderr(`${l}\n`) : undefined);
    set = {
      runs: loadRuns(
        made.dirs,
        config,
        made.dirs.map((_, i) => `repeat-${i + 1}`),
      ),
      mtbench: made.mtbench.length >= 2 ? made.mtbench : [],
    };
    extraNotes.push(
      `${k} repeats of the baseline (${config.arms.baseline.label}) trained here with the cache off; their result dirs are in ${path.join(dir, 'runs')}`,
    );
  } else {
    const sel = loadHistory(flags.history!);
    if (sel.runs.length < 2) {
      const skipped = describeSkipped(sel.skipped);
      throw new UsageError(
        `calibrate: ${flags.history}: ${sel.runs.length} usable baseline entr${sel.runs.length === 1 ? 'y' : 'ies'}, at least 2 are needed${skipped ? ` (${skipped})` : ''}`,
      );
    }
    set = { runs: sel.runs, mtbench: [] };
    extraNotes.push(
      `history ${flags.history}: ${sel.runs.length} baselines with ${sel.key}; only whole-run numbers are recorded there, so loss-curve, loss-tail, eval-loss-docs and mtbench need --runs`,
    );
    const skipped = describeSkipped(sel.skipped);
    if (skipped) extraNotes.push(skipped);
  }
  const cal = calibrate(set, config.checks, factors);
  cal.notes.push(...extraNotes);
  if (cal.checks.length === 0) throw new UsageError('calibrate: no check had data in these runs (no train_loss, loss curve, eval loss or MT-Bench)');
  const table = renderTable(cal);
  const snippet = renderSnippet(cal);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'calibration.md'), renderMarkdown(cal));
    writeFileSync(path.join(dir, 'calibration.json'), renderJson(cal));
    writeFileSync(path.join(dir, 'checks.yml'), snippet);
    log.info(`calibration written to ${dir} (calibration.md, calibration.json, checks.yml)`);
  } catch (e) {
    // The table and snippet still reach the console.
    log.error(`could not write the calibration to ${dir}: ${errorMessage(e)}`);
  }
  io.stdout(`${table}\n${snippet}`);
  return cal;
}
