import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configKeyOf, launchValues, pickFreePort, releasePort, requestedRanks } from '../../../src/pipeline/plan/launch-env.js';
import { tempDir } from '../../helpers/cli.js';

const bind = (port: number) =>
  new Promise<() => Promise<void>>((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(port, () => resolve(() => new Promise((r) => s.close(() => r()))));
  });

describe('launch values', () => {
  it('the stage GPU count, unless the config or the environment sets it; the config wins', () => {
    expect(launchValues('0,1,2,3', {}, 'arms.baseline', {})).toEqual([
      { name: 'NPROC_PER_NODE', value: '4', source: "the stage's 4 GPU(s) 0,1,2,3" },
      { name: 'MASTER_PORT', source: 'a free port the gate picks when the stage starts' },
    ]);
    const both = launchValues('0', { MASTER_PORT: '29600' }, 'arms.candidate', { NPROC_PER_NODE: '4', MASTER_PORT: '9010' });
    expect(both).toEqual([
      { name: 'NPROC_PER_NODE', value: '4', source: 'the environment' },
      { name: 'MASTER_PORT', value: '29600', source: 'arms.candidate.env' },
    ]);
    expect(configKeyOf('eval-lm-eval-baseline')).toBe('evaluations.lm-eval');
    expect(configKeyOf('eval-original')).toBe('evaluations.mtbench');
  });

  it('ranks a command asks for: in the command, in its script; a variable asks for nothing', () => {
    const dir = tempDir('ranks-');
    writeFileSync(path.join(dir, 'fixed.sh'), 'torchrun --nproc-per-node=8 --master_port 9010 run_clm.py\n');
    writeFileSync(path.join(dir, 'llama.sh'), 'torchrun --nproc_per_node ${NPROC_PER_NODE:-8} run_clm.py\n');
    expect(requestedRanks('torchrun --nproc_per_node 8 train.py', dir)).toEqual({ ranks: 8, where: 'the command' });
    expect(requestedRanks('bash ./fixed.sh {model}', dir)).toEqual({ ranks: 8, where: './fixed.sh' });
    expect(requestedRanks(['bash', 'llama.sh'], dir)).toBeUndefined();
  });

  it('ports handed out at once differ and are really free: real sockets bind each', async () => {
    const ports = await Promise.all([pickFreePort(), pickFreePort(), pickFreePort()]);
    expect(new Set(ports).size).toBe(3);
    const closers = await Promise.all(ports.map(bind));
    await Promise.all(closers.map((c) => c()));
    for (const p of ports) releasePort(p);
  });
});
