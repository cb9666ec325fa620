// A stand-in nvidia-smi for runs without a GPU: `--query-gpu=index,name` lists GPU 0 (or GPUs 0 to
// count-1) with the model name read from a file at each query (setModel; NVIDIA H200 at first), and
// `--query-compute-apps=pid,used_memory --format=csv,noheader` prints the real CSV for the stand-in
// trainers (node replaying a recorded run into the Torch arm's torch_ckpt or the TorchAcc arm's
// acc_ckpt), with the MiB each arm holds read from a file at each query, plus another job's
// process that is never counted.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface FakeNvidiaSmi {
  /** The dir to put first on PATH. */
  bin: string;
  /** What the baseline's and the candidate's trainers hold from the next query on. */
  setMib(baseline: number, candidate: number): void;
  /** The model name every GPU has from the next query on; '' prints the index alone, as an old query would. */
  setModel(name: string): void;
  /** How many times the GPU list was asked for so far. */
  gpuQueries(): number;
}

export function fakeNvidiaSmi(dir: string, opts: { count?: number } = {}): FakeNvidiaSmi {
  const bin = path.join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const mib = (role: string) => path.join(dir, `${role}-mib`);
  const model = path.join(dir, 'gpu-model');
  writeFileSync(model, 'NVIDIA H200\n');
  const count = opts.count ?? 1;
  const queries = path.join(dir, 'gpu-queries');
  writeFileSync(
    path.join(bin, 'nvidia-smi'),
    [
      '#!/bin/bash',
      'case "$*" in',
      // The real CSV: "0, NVIDIA H100 80GB HBM3" per GPU.
      `  "--query-gpu=index,name --format=csv,noheader") echo >> '${queries}'; m="$(cat '${model}')"; for i in $(seq 0 ${count - 1}); do echo "$i\${m:+, $m}"; done; exit 0;;`,
      '  "--query-compute-apps=pid,used_memory --format=csv,noheader") ;;',
      '  *) echo "unexpected arguments: $*" >&2; exit 2;;',
      'esac',
      'for d in /proc/[0-9]*; do',
      '  IFS= read -r -d "" first < "$d/cmdline" 2>/dev/null || continue',
      '  [ "${first##*/}" = node ] || continue',
      '  case "$(tr "\\0" " " < "$d/cmdline")" in',
      `    *replay-train.mjs*acc_ckpt*) echo "\${d#/proc/}, $(cat '${mib('candidate')}') MiB";;`,
      `    *replay-train.mjs*torch_ckpt*) echo "\${d#/proc/}, $(cat '${mib('baseline')}') MiB";;`,
      '  esac',
      'done',
      'echo "4000000, 12000 MiB"',
      '',
    ].join('\n'),
  );
  chmodSync(path.join(bin, 'nvidia-smi'), 0o755);
  return {
    bin,
    setMib(baseline, candidate) {
      writeFileSync(mib('baseline'), `${baseline}\n`);
      writeFileSync(mib('candidate'), `${candidate}\n`);
    },
    setModel(name) {
      writeFileSync(model, `${name}\n`);
    },
    gpuQueries() {
      return existsSync(queries) ? readFileSync(queries, 'utf8').length : 0;
    },
  };
}
