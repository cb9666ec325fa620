// The launcher's variables per stage (issue 21 item 2), through `node dist/cli.js` with real
// processes: TorchAcc's llama.sh starts `torchrun --nproc_per_node ${NPROC_PER_NODE:-8}
// --master_port ${MASTER_PORT:-9010}`. Under `parallel: true` with arms on "0,1" and "2,3" each
// arm must get NPROC_PER_NODE=2 and its own free MASTER_PORT: two real processes bind them at once.
// A stand-in nvidia-smi lists four GPUs, so the GPU sets pass preflight on any machine.
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { ExitCode } from '../../src/constants.js';
import { RECORDED, ROOT, runCli, tempDir } from '../helpers/cli.js';
import { REPLAY } from '../helpers/gate.js';

const STANDIN = path.join(ROOT, 'test', 'fixtures', 'launch', 'torchrun-standin.mjs');

function setup(opts: { script?: string; parallel?: boolean; gpus?: [string, string] } = {}) {
  const dir = tempDir('launch-');
  const bin = path.join(dir, 'bin');
  const markers = path.join(dir, 'markers');
  mkdirSync(bin);
  mkdirSync(markers);
  writeFileSync(path.join(bin, 'nvidia-smi'), '#!/bin/sh\ncase "$*" in *--query-gpu=index*) printf "0\\n1\\n2\\n3\\n";; esac\nexit 0\n');
  chmodSync(path.join(bin, 'nvidia-smi'), 0o755);
  mkdirSync(path.join(dir, 'model'));
  writeFileSync(path.join(dir, 'model', 'config.json'), '{"model_type": "llama"}\n');
  // llama.sh's launch line, as TorchAcc writes it; $1 = the arm, $2 = the run to replay, $3 = output.
  const launch = opts.script ?? '--nproc_per_node ${NPROC_PER_NODE:-8} --master_port ${MASTER_PORT:-9010}';
  writeFileSync(
    path.join(dir, 'llama.sh'),
    `#!/bin/bash\nexec ${process.execPath} ${STANDIN} ${launch} --marker-dir ${markers} --arm $1 --wait-for $4 -- ${process.execPath} ${REPLAY} --run ${RECORDED}/$2 --output $3 --speed 25\n`,
  );
  const [g1, g2] = opts.gpus ?? ['0,1', '2,3'];
  const cfg = path.join(dir, 'gate.yml');
  writeFileSync(
    cfg,
    stringify({
      name: 'launch',
      model: path.join(dir, 'model'),
      workdir: dir,
      'result-dir': 'result',
      parallel: opts.parallel ?? true,
      arms: {
        baseline: { label: 'Torch', slug: 'torch', train: 'bash ./llama.sh baseline eager {output} candidate', gpus: g1 },
        candidate: { label: 'TorchAcc', slug: 'acc', train: 'bash ./llama.sh candidate compile {output} baseline', gpus: g2 },
      },
      lock: { enabled: false },
    }),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };
  delete env.NPROC_PER_NODE;
  delete env.MASTER_PORT;
  return { dir, cfg, env, markers };
}

describe('launch environment per arm', () => {
  it('parallel arms on "0,1" and "2,3": each gets NPROC_PER_NODE=2 and its own free MASTER_PORT, both bound at once', async () => {
    const j = setup();
    const r = await runCli(['run', '--config', j.cfg], { env: j.env });
    expect(r.code, r.stderr + r.stdout).toBe(ExitCode.Pass);
    const bound = (arm: string) =>
      readFileSync(path.join(j.markers, `${arm}.bound`), 'utf8')
        .trim()
        .split(' ');
    const [p1, n1] = bound('baseline');
    const [p2, n2] = bound('candidate');
    expect([n1, n2]).toEqual(['2', '2']);
    expect(p1).not.toBe('9010');
    expect(p1).not.toBe(p2);
    // Each held its port while the other bound its own: they ran at once.
    expect(readFileSync(path.join(j.markers, 'baseline.overlapped'), 'utf8').trim()).toBe('yes');
    expect(readFileSync(path.join(j.markers, 'candidate.overlapped'), 'utf8').trim()).toBe('yes');
    // The log says what each stage got and why.
    expect(r.stderr + r.stdout).toMatch(
      new RegExp(`NPROC_PER_NODE=2 \\(the stage's 2 GPU\\(s\\) 0,1\\), MASTER_PORT=${p1} \\(a free port the gate picks when the stage starts\\)`),
    );
  }, 60_000);

  it('validate: the plan says each value and where it came from; too many ranks and a shared port are warned', async () => {
    const j = setup({ script: '--nproc_per_node 8 --master_port ${MASTER_PORT:-9010}' });
    const plain = await runCli(['validate', '--config', j.cfg], { env: j.env });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain(
      "launch: NPROC_PER_NODE=2 (the stage's 2 GPU(s) 0,1), MASTER_PORT=<free port> (a free port the gate picks when the stage starts)",
    );
    expect(plain.stdout).toContain("launch: NPROC_PER_NODE=2 (the stage's 2 GPU(s) 2,3)");
    expect(plain.stderr).toMatch(
      /Torch.*\(arms\.baseline\): --nproc_per_node 8 in \.\/llama\.sh asks for 8 ranks, but the stage has 2 GPU\(s\) \(arms\.baseline\.gpus: 0,1\)/,
    );
    // TorchAcc's nightly exports NPROC_PER_NODE=4 for the whole job; a fixed MASTER_PORT for both arms.
    const nightly = await runCli(['validate', '--config', j.cfg], { env: { ...j.env, NPROC_PER_NODE: '4', MASTER_PORT: '9010' } });
    expect(nightly.code, nightly.stderr).toBe(0);
    expect(nightly.stdout).toContain('launch: NPROC_PER_NODE=4 (the environment), MASTER_PORT=9010 (the environment)');
    expect(nightly.stderr).toMatch(/NPROC_PER_NODE=4 from the environment asks for 4 ranks, but the stage has 2 GPU\(s\)/);
    expect(nightly.stderr).toMatch(/MASTER_PORT=9010 \(the environment\) is the same for .* and .*, which run at once under parallel: true/);
  }, 60_000);
});
