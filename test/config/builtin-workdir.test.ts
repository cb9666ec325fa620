// Where the built-in TorchAcc flow runs: found from the repository root or from inside
// benchmarks/accuracy (where TorchAcc's run.sh is started), on a real directory tree.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateBuiltinWorkdir } from '../../src/config/defaults.js';
import { tempDir } from '../helpers/cli.js';

describe('locateBuiltinWorkdir', () => {
  const checkout = () => {
    const repo = tempDir('torchacc-');
    const bench = path.join(repo, 'benchmarks', 'accuracy');
    mkdirSync(bench, { recursive: true });
    for (const f of ['run.sh', 'llama.sh', 'fastchat.sh']) writeFileSync(path.join(bench, f), '#!/bin/bash\n');
    return { repo, bench };
  };
  it('from the repository root and from benchmarks/accuracy: the same dir', () => {
    const { repo, bench } = checkout();
    expect(locateBuiltinWorkdir(repo)).toEqual({ workdir: bench });
    expect(locateBuiltinWorkdir(bench)).toEqual({ workdir: bench });
  });
  it('inside benchmarks/accuracy of a repository with its own config: an error naming it, not the built-in flow', () => {
    const { repo, bench } = checkout();
    mkdirSync(path.join(repo, '.github'));
    writeFileSync(path.join(repo, '.github', 'accuracy-gate.yml'), 'name: own\n');
    const r = locateBuiltinWorkdir(bench);
    expect('error' in r && r.error).toContain(`this repository has a config, ${path.join(repo, '.github', 'accuracy-gate.yml')}`);
    expect(locateBuiltinWorkdir(repo)).toEqual({ workdir: bench });
  });

  it('elsewhere: an error naming both places', () => {
    const { repo } = checkout();
    const r = locateBuiltinWorkdir(path.join(repo, 'benchmarks'));
    expect('error' in r && r.error).toContain(`neither in ${path.join(repo, 'benchmarks', 'benchmarks', 'accuracy')} nor in ${path.join(repo, 'benchmarks')}`);
    expect(existsSync(path.join(repo, 'benchmarks', 'benchmarks'))).toBe(false);
  });
});
