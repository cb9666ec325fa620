// Whole-file writes and torn-line-safe appends on real files.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendLine, writeFileAtomic } from '../src/atomic-file.js';
import { locateBuiltinWorkdir } from '../src/config/defaults.js';
import { tempDir } from './helpers/cli.js';

describe('writeFileAtomic', () => {
  it('replaces the file whole and leaves no temp file', () => {
    const dir = tempDir('atomic-');
    const file = path.join(dir, 'run.json');
    writeFileSync(file, '{"old": true}\n');
    writeFileAtomic(file, '{"new": true}\n');
    expect(readFileSync(file, 'utf8')).toBe('{"new": true}\n');
    expect(readdirSync(dir)).toEqual(['run.json']);
  });

  it('a write that cannot happen names the target, not the temp name beside it', () => {
    const dir = tempDir('atomic-');
    writeFileSync(path.join(dir, 'afile'), 'x');
    const file = path.join(dir, 'afile', 'run.json');
    expect(() => writeFileAtomic(file, '{}\n')).toThrow(new RegExp(`ENOTDIR.*${file.replace(/[.]/g, '\\.')}'$`));
    try {
      writeFileAtomic(file, '{}\n');
    } catch (e) {
      expect(String(e)).not.toMatch(/\.tmp/);
    }
  });
});

describe('appendLine', () => {
  it('starts a new line after a torn last line instead of gluing onto it', () => {
    const file = path.join(tempDir('append-'), 'history.jsonl');
    appendLine(file, '{"n":1}');
    writeFileSync(file, `${readFileSync(file, 'utf8')}{"n":2,"da`); // killed mid-append
    appendLine(file, '{"n":3}');
    expect(readFileSync(file, 'utf8')).toBe('{"n":1}\n{"n":2,"da\n{"n":3}\n');
  });

  it('appends to an empty file without a blank line', () => {
    const file = path.join(tempDir('append-'), 'h.jsonl');
    writeFileSync(file, '');
    appendLine(file, 'a');
    expect(readFileSync(file, 'utf8')).toBe('a\n');
  });
});

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
  it('elsewhere: an error naming both places', () => {
    const { repo } = checkout();
    const r = locateBuiltinWorkdir(path.join(repo, 'benchmarks'));
    expect('error' in r && r.error).toContain(`neither in ${path.join(repo, 'benchmarks', 'benchmarks', 'accuracy')} nor in ${path.join(repo, 'benchmarks')}`);
    expect(existsSync(path.join(repo, 'benchmarks', 'benchmarks'))).toBe(false);
  });
});
