// A TorchAcc checkout as far as the gate can tell (benchmarks/accuracy with stand-ins for llama.sh
// and fastchat.sh that replay GPU runs recorded on an H200), shared by the init tests.
import { chmodSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT, tempDir } from './cli.js';

const DEMO = path.join(ROOT, 'examples', 'demo');
const RECORDED = path.join(ROOT, 'examples', 'recorded');

/** benchmarks/accuracy with its two scripts and the model; `trainPrefix` runs first in llama.sh (e.g. to record its env). */
export function torchaccRepo(trainPrefix = ''): string {
  const repo = tempDir('init-torchacc-');
  const bench = path.join(repo, 'benchmarks', 'accuracy');
  mkdirSync(bench, { recursive: true });
  // llama.sh <model> <use_torchacc 0|1> <output>: 0 replays the eager run, 1 the torch.compile run.
  writeFileSync(
    path.join(bench, 'llama.sh'),
    `#!/bin/bash\nset -euo pipefail\n${trainPrefix}run=eager; [ "$2" = 1 ] && run=compile\nexec "${process.execPath}" "${DEMO}/replay-train.mjs" --run "${RECORDED}/$run" --output "$3" --speed 50\n`,
  );
  const data = 'FastChat_TorchAcc/fastchat/llm_judge/data/mt_bench';
  writeFileSync(
    path.join(bench, 'fastchat.sh'),
    // Like TorchAcc's fastchat.sh: runs from its own dir, where FastChat_TorchAcc is checked out.
    `#!/bin/bash\nset -euo pipefail\nckpt=$(realpath "$1")\ncd "$(dirname "$0")"\nexec "${process.execPath}" "${DEMO}/replay-mtbench.mjs" --checkpoint "$ckpt" --role "$GATE_ARM" --judgments ${data}/model_judgment/gpt-4_single.jsonl --questions ${data}/question.jsonl\n`,
  );
  for (const f of ['llama.sh', 'fastchat.sh']) chmodSync(path.join(bench, f), 0o755);
  cpSync(path.join(DEMO, 'Tiny-Llama-init'), path.join(bench, 'Llama-3.2-1B'), { recursive: true });
  // run.sh clones the model next to itself; a checkout may keep it at the top as well.
  cpSync(path.join(DEMO, 'Tiny-Llama-init'), path.join(repo, 'Llama-3.2-1B'), { recursive: true });
  return repo;
}
