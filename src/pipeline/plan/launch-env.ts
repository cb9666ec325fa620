// The launcher's variables per stage. TorchAcc's llama.sh starts
// `torchrun --nproc_per_node ${NPROC_PER_NODE:-8} --master_port ${MASTER_PORT:-9010}`: two arms at
// once on "0,1,2,3" and "4,5,6,7" would both bind port 9010 and each start 8 ranks on 4 visible
// GPUs. Every stage with a GPU set gets NPROC_PER_NODE = the size of its set and a MASTER_PORT
// that is free and differs from every other running stage's, unless the config (the stage's
// `env`) or the gate's environment sets them: those are passed as they are, and `validate` warns
// where they cannot work.
import { createServer } from 'node:net';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { Command } from '../../config/types.js';

export const LAUNCH_NAMES = ['NPROC_PER_NODE', 'MASTER_PORT'] as const;
export type LaunchName = (typeof LAUNCH_NAMES)[number];

export interface LaunchValue {
  name: LaunchName;
  /** Undefined for a port the gate picks when the stage starts. */
  value?: string;
  /** Where the value comes from, for the plan and the log: "arms.baseline.env", "the environment", ... */
  source: string;
}

/** The number of GPUs in a CUDA_VISIBLE_DEVICES-style set ("0,1,2,3" → 4). */
export function gpuCount(gpus: string): number {
  return gpus.split(',').filter((g) => g.trim() !== '').length;
}

/** What each launcher variable of a stage with `gpus` will be, and why. Pure. */
export function launchValues(gpus: string, configEnv: Record<string, string>, configKey: string, env: NodeJS.ProcessEnv): LaunchValue[] {
  return LAUNCH_NAMES.map((name) => {
    if (configEnv[name] !== undefined) return { name, value: configEnv[name], source: `${configKey}.env` };
    if (env[name] !== undefined) return { name, value: env[name], source: 'the environment' };
    if (name === 'NPROC_PER_NODE') return { name, value: String(gpuCount(gpus)), source: `the stage's ${gpuCount(gpus)} GPU(s) ${gpus}` };
    return { name, source: 'a free port the gate picks when the stage starts' };
  });
}

/** "NPROC_PER_NODE=4 (the stage's 4 GPU(s) 0,1,2,3), MASTER_PORT=<free port> (…)": for the plan and the log. */
export function describeLaunch(values: LaunchValue[]): string {
  return values.map((v) => `${v.name}=${v.value ?? '<free port>'} (${v.source})`).join(', ');
}

// Ports handed to stages of this process that may still be starting or running: the OS gives a
// port back as free until the stage's launcher binds it, so two stages starting at once could
// otherwise get the same one.
const handedOut = new Set<number>();

/** Asks the OS for a free TCP port (bound on every address, as torchrun's store binds), not one handed out. */
export async function pickFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.on('error', reject);
      server.listen(0, () => {
        const address = server.address();
        const p = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(p));
      });
    });
    if (port > 0 && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free TCP port for MASTER_PORT after 20 tries');
}

/** The stage ended: its port may be handed out again. */
export function releasePort(port: number): void {
  handedOut.delete(port);
}

/**
 * The ranks a command asks for with `--nproc_per_node N` / `--nproc-per-node N` (or `=N`): in the
 * command itself, or in the shell script it runs (one level: `bash llama.sh`). A value that is a
 * variable (`${NPROC_PER_NODE:-8}`) asks for nothing itself. Returns where the number was found.
 */
export function requestedRanks(cmd: Command, workdir: string): { ranks: number; where: string } | undefined {
  const text = typeof cmd === 'string' ? cmd : cmd.join(' ');
  const own = ranksIn(text);
  if (own !== undefined) return { ranks: own, where: 'the command' };
  for (const word of text.split(/\s+/)) {
    if (!/\.(sh|bash)$/.test(word) || word.includes('{') || word.includes('$')) continue;
    const file = path.resolve(workdir, word);
    try {
      if (!statSync(file).isFile() || statSync(file).size > 1024 * 1024) continue;
      const n = ranksIn(readFileSync(file, 'utf8'));
      if (n !== undefined) return { ranks: n, where: word };
    } catch {
      // not readable here: preflight says so for the command's own script
    }
  }
  return undefined;
}

function ranksIn(text: string): number | undefined {
  let most: number | undefined;
  for (const m of text.matchAll(/--nproc[_-]per[_-]node(?:=|\s+)["']?(\d+)\b/g)) {
    const n = Number(m[1]);
    if (most === undefined || n > most) most = n;
  }
  return most;
}

/** The config key whose `env` a stage gets, from its id (for "arms.baseline.env" in messages). */
export function configKeyOf(stageId: string): string {
  const train = /^train-(baseline|candidate)$/.exec(stageId);
  if (train) return `arms.${train[1]}`;
  const evaluator = /^eval-(lm-eval|custom)-/.exec(stageId);
  if (evaluator) return `evaluations.${evaluator[1]}`;
  return 'evaluations.mtbench';
}

/** The variables to add for a stage on `gpus` (none the config or environment sets) and a port to release after it. */
export async function launchEnv(
  stageId: string,
  gpus: string,
  configEnv: Record<string, string>,
  env: NodeJS.ProcessEnv,
): Promise<{ vars: Record<string, string>; values: LaunchValue[]; port?: number }> {
  const values = launchValues(gpus, configEnv, configKeyOf(stageId), env);
  const vars: Record<string, string> = {};
  let port: number | undefined;
  for (const v of values) {
    if (v.source.endsWith('.env') || v.source === 'the environment') continue;
    if (v.value === undefined) {
      port = await pickFreePort();
      v.value = String(port);
    }
    vars[v.name] = v.value;
  }
  return { vars, values, ...(port !== undefined ? { port } : {}) };
}
