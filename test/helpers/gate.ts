// What the integration tests build again and again: the demo's stand-in trainer replaying a
// recorded run, a gate config for a Torch baseline and a TorchAcc candidate, and the action's inputs.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { RECORDED, ROOT } from './cli.js';

/** examples/demo/replay-train.mjs: writes a recorded run's files (examples/recorded/<run>) at `--speed` x its pace. */
export const REPLAY = path.join(ROOT, 'examples', 'demo', 'replay-train.mjs');

/** The stand-in trainer for `run` as an argv list (a config's `train: [...]`); output `{output}` unless told. */
export function replayArgv(run: string, speed: number, output = '{output}'): string[] {
  return [process.execPath, REPLAY, '--run', path.join(RECORDED, run), '--output', output, '--speed', String(speed)];
}

/** The same as one shell command line (a config's `train: "..."`). */
export function replayCommand(run: string, speed: number, output = '{output}'): string {
  return `${process.execPath} ${REPLAY} --run ${path.join(RECORDED, run)} --output ${output} --speed ${speed}`;
}

/** A train command (a shell line or an argv list), or a whole arm. */
export type ArmSpec = string | string[] | { [key: string]: unknown };

/**
 * gate.yml in `dir` for the arms "Torch" (slug torch) and "TorchAcc" (slug acc), with `dir/model` as
 * the original model (its identity is part of the cache key) and results under `dir/result`; `extra`
 * adds top-level keys after `arms`.
 */
export function writeGateConfig(dir: string, name: string, arms: { baseline: ArmSpec; candidate: ArmSpec }, extra: Record<string, unknown> = {}): string {
  mkdirSync(path.join(dir, 'model'), { recursive: true });
  writeFileSync(path.join(dir, 'model', 'config.json'), '{"model_type": "llama"}\n');
  const arm = (a: ArmSpec) => (typeof a === 'string' || Array.isArray(a) ? { train: a } : a);
  const file = path.join(dir, 'gate.yml');
  writeFileSync(
    file,
    stringify({
      name,
      model: path.join(dir, 'model'),
      workdir: dir,
      'result-dir': 'result',
      arms: { baseline: { label: 'Torch', slug: 'torch', ...arm(arms.baseline) }, candidate: { label: 'TorchAcc', slug: 'acc', ...arm(arms.candidate) } },
      ...extra,
    }),
  );
  return file;
}

/** The action's inputs as the runner hands them over (INPUT_*; those not here read as empty), with `extra` over them. */
export function actionInputs(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    config: '',
    'model-dir': '',
    'working-directory': '.',
    'github-token': token,
    comment: 'always',
    'artifact-name': '',
    'artifact-retention-days': '',
    'fail-on': 'fail',
    stages: 'all',
    'allow-fork-prs': 'false',
    ...extra,
  };
}
