// `accuracy-gate demo`: the whole job on the embedded example. Stand-in processes replay runs recorded
// on a real GPU (examples/recorded) through the same runner; MT-Bench scores are synthetic and the
// report says so.
import { existsSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { GateResult } from '../model.js';
import type { Log } from '../log.js';
import type { CliIo } from './io.js';
import { parseConfig } from '../config/load-config.js';
import { STAGE_IDS } from '../pipeline/plan/stages.js';
import { UsageError } from '../errors.js';
import { runLocal } from './run.js';

export interface DemoFlags {
  scenario: 'pass' | 'regression' | 'diverge';
  out: string;
  speed: string;
  verbose?: boolean;
}

// regression: the candidate consumed another data order (a broken sampler), which the curve and
// tail checks fail; diverge: LR x1e4 from step 150, stopped by early abort.
const CANDIDATE_RUN = { pass: 'compile', regression: 'data-seed-2', diverge: 'diverge' } as const;

/** The examples/ dir shipped with the package (dist/cli.js and src/cli/demo.ts sit at different depths). */
export function examplesDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'examples', 'demo');
    if (existsSync(candidate)) return path.join(dir, 'examples');
    dir = path.dirname(dir);
  }
  throw new UsageError('the demo files (examples/demo) are missing from this installation');
}

export function demoConfigYaml(examples: string, scenario: DemoFlags['scenario'], speed: string): string {
  const node = process.execPath;
  const replay = (run: string) => [
    node,
    path.join(examples, 'demo', 'replay-train.mjs'),
    '--run',
    path.join(examples, 'recorded', run),
    '--output',
    '{output}',
    '--speed',
    speed,
  ];
  return stringify({
    name: `demo-${scenario}`,
    model: path.join(examples, 'demo', 'Tiny-Llama-init'),
    'result-dir': '.',
    arms: {
      baseline: { label: 'Torch', slug: 'torch', train: replay('eager'), 'timeout-minutes': 10 },
      candidate: { label: 'TorchAcc', slug: 'acc', train: replay(CANDIDATE_RUN[scenario]), 'timeout-minutes': 10 },
    },
    evaluations: {
      mtbench: {
        run: [
          node,
          path.join(examples, 'demo', 'replay-mtbench.mjs'),
          '--checkpoint',
          '{checkpoint}',
          '--role',
          '{arm}',
          '--judgments',
          'fastchat/model_judgment/gpt-4_single.jsonl',
          '--questions',
          'fastchat/question.jsonl',
        ],
        targets: ['original', 'baseline', 'candidate'],
        judgments: 'fastchat/model_judgment/gpt-4_single.jsonl',
        questions: 'fastchat/question.jsonl',
        'model-id': 'auto',
        'timeout-minutes': 5,
      },
    },
    'early-abort': { enabled: true, bound: 0.1, consecutive: 3 },
    // Stand-in processes use no GPU: the demo never waits for (or blocks) a real gate's lock.
    lock: { enabled: false },
  });
}

export async function demoCommand(flags: DemoFlags, io: CliIo, log: Log): Promise<GateResult> {
  if (!(Number(flags.speed) > 0)) throw new UsageError(`--speed must be a positive number (got "${flags.speed}")`);
  const examples = examplesDir();
  const config = parseConfig(demoConfigYaml(examples, flags.scenario, flags.speed), 'demo config (built in)');
  config.workdir = path.resolve(flags.out);
  log.info(`demo (${flags.scenario}): replaying GPU runs recorded in ${path.join(examples, 'recorded')}; MT-Bench scores are synthetic`);
  const result = await runLocal(
    {
      config,
      configSource: `built-in demo (${flags.scenario})`,
      stages: [...STAGE_IDS],
      out: flags.out,
      allowCacheWrite: false,
      synthetic: true,
      verbose: flags.verbose,
    },
    io,
    log,
  );
  pointLatest(path.resolve(flags.out), log);
  return result;
}

/** Where the demo writes by default: outside any checkout, so that nothing shows up in git status. */
export function defaultDemoDir(): string {
  return path.join(os.tmpdir(), 'accuracy-gate-demo');
}

/** <out>/latest → the newest run dir (a relative symlink), so a second look needs no timestamp. */
function pointLatest(out: string, log: Log): void {
  try {
    const newest = readdirSync(out)
      .filter((n) => /^\d{8}_\d{6}/.test(n))
      .sort()
      .at(-1);
    if (!newest) return;
    const link = path.join(out, 'latest');
    rmSync(link, { force: true });
    symlinkSync(newest, link);
    log.info(`latest run: ${link}`);
  } catch {
    // A file system without symlinks: the timestamped dir is all there is.
  }
}
