// `calibrate --repeat K`: the baseline arm trained K times through the gate's own pipeline (one
// gate session, pipeline/session.ts: the same process runner, signals, stage logs and result dirs
// as `run`), with the cache off so each repeat really trains. The repeats land in `<calibration dir>/runs/<timestamp>/`.
import * as path from 'node:path';
import type { GateConfig } from '../config/types.js';
import type { Log } from '../log.js';
import type { MtBenchScores } from '../model.js';
import { GateError } from '../errors.js';
import { MANIFEST } from '../pipeline/stages/manifest.js';
import { openSession } from '../pipeline/session.js';
import type { StageId } from '../pipeline/plan/stages.js';
import { parseJudgments, scoreModel } from '../readers/mtbench.js';

export interface Repeated {
  /** Trainer output dir of each repeat. */
  dirs: string[];
  /** MT-Bench scores of each repeat's checkpoint, when the config evaluates the baseline. */
  mtbench: MtBenchScores[];
}

/** Env var each repeat's commands get (1..K): a script may derive its data seed from it. */
export const REPEAT_ENV = 'ACCURACY_GATE_REPEAT';

/** The config as a repeat runs it: cache off, and an output dir of its own in each result dir. */
export function repeatConfig(config: GateConfig, i: number): GateConfig {
  const c = structuredClone(config);
  c.cache.enabled = false;
  const arm = c.arms.baseline;
  // An absolute output would be one dir overwritten K times.
  if (path.isAbsolute(arm.output)) arm.output = `${arm.slug}_ckpt`;
  arm.env = { ...arm.env, [REPEAT_ENV]: String(i) };
  if (c.evaluations.mtbench) c.evaluations.mtbench.env = { ...c.evaluations.mtbench.env, [REPEAT_ENV]: String(i) };
  return c;
}

export async function repeatBaseline(
  config: GateConfig,
  configSource: string,
  k: number,
  root: string,
  log: Log,
  echo?: (line: string) => void,
): Promise<Repeated> {
  // One session for the K repeats: a signal stops the repeat that runs and the ones after it.
  const session = openSession({ log, env: process.env, secrets: [], echo, onSignal: (sig) => `received ${sig}` });
  const evalBaseline = !!config.evaluations.mtbench?.enabled && config.evaluations.mtbench.targets.includes('baseline');
  const stages: StageId[] = evalBaseline ? ['train-baseline', 'eval-baseline'] : ['train-baseline'];
  const out: Repeated = { dirs: [], mtbench: [] };
  try {
    for (let i = 1; i <= k; i++) {
      log.info(`calibrate: repeat ${i} of ${k} (${stages.join(', ')})`);
      const outcome = await session.run({
        config: repeatConfig(config, i),
        configSource,
        baseDir: process.cwd(),
        stages,
        resultRoot: root,
        allowCacheWrite: false,
      });
      // Training stages only: a repeat that finished is UNGATED (nothing compared), never PASS.
      if (outcome.result.verdict !== 'ungated') {
        throw new GateError(`calibrate: repeat ${i} of ${k} did not finish (${outcome.result.headline}); its logs are in ${outcome.resultDir}`);
      }
      // What the run recorded in its run.json, as runGate returns it.
      const arm = outcome.manifest?.arms.baseline;
      if (!arm) throw new GateError(`calibrate: repeat ${i} of ${k}: no baseline output recorded in ${path.join(outcome.resultDir, MANIFEST)}`);
      out.dirs.push(path.resolve(outcome.resultDir, arm.output));
      const mt = outcome.manifest?.mtbench.baseline;
      if (evalBaseline && mt) {
        const where = `${outcome.resultDir} (MT-Bench rows of repeat ${i})`;
        const scores = scoreModel(parseJudgments(`${mt.lines.join('\n')}\n`, where), mt.modelId, undefined, where);
        // A fixed model-id template gives every repeat the same id: tell them apart in the table.
        if (out.mtbench.some((m) => m.modelId === scores.modelId)) scores.modelId = `repeat-${i}:${scores.modelId}`;
        out.mtbench.push(scores);
      }
    }
  } finally {
    session.close();
  }
  return out;
}
