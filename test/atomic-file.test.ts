// Whole-file writes and torn-line-safe appends on real files.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendLine, writeFileAtomic } from '../src/atomic-file.js';
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
