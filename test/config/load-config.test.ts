import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { BUILTIN_CONFIG } from '../../src/config/defaults.js';
import { loadConfig } from '../../src/config/load-config.js';

let repo: string;
beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'gate-load-'));
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

const VALID = 'name: mine\narms:\n  baseline: { train: a }\n  candidate: { train: b }\n';

function thrown(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('falls back to the built-in default when .github/accuracy-gate.yml is absent', () => {
    const { config, source } = loadConfig(undefined, repo);
    expect(source).toBe('built-in default');
    expect(config).toEqual(BUILTIN_CONFIG);
    // A copy: callers may override fields (e.g. --model-dir) without touching the default.
    config.model = '/elsewhere';
    expect(BUILTIN_CONFIG.model).toBe('./Llama-3.2-1B');
  });

  it('reads .github/accuracy-gate.yml when present, named relative to the working directory', () => {
    mkdirSync(join(repo, '.github'));
    writeFileSync(join(repo, '.github', 'accuracy-gate.yml'), VALID);
    const { config, source } = loadConfig(undefined, repo);
    expect(source).toBe('.github/accuracy-gate.yml');
    expect(config.name).toBe('mine');
  });

  it('reads an explicit path relative to cwd, or absolute', () => {
    writeFileSync(join(repo, 'gate.yml'), VALID);
    expect(loadConfig('gate.yml', repo).source).toBe('gate.yml');
    expect(loadConfig(join(repo, 'gate.yml'), repo).config.name).toBe('mine');
  });

  it('an explicit path that does not exist is an error, never the default', () => {
    const e = thrown(() => loadConfig('.github/accuracy-gate.yaml', repo));
    expect(e.message).toBe('.github/accuracy-gate.yaml: config file not found');
    expect(e.file).toBe('.github/accuracy-gate.yaml');
  });

  it('a directory is not a config file', () => {
    mkdirSync(join(repo, 'conf'));
    expect(thrown(() => loadConfig('conf', repo)).message).toBe('conf: is a directory, not a config file');
  });

  it('problems in the file name it as given, with the line', () => {
    mkdirSync(join(repo, '.github'));
    writeFileSync(join(repo, '.github', 'accuracy-gate.yml'), VALID.replace('train: b', 'train: b, gpu: 1'));
    const e = thrown(() => loadConfig(undefined, repo));
    expect(e.message).toBe('.github/accuracy-gate.yml:4: unknown key arms.candidate.gpu; did you mean gpus?');
    expect(e).toMatchObject({ file: '.github/accuracy-gate.yml', line: 4, key: 'arms.candidate.gpu' });
  });

  it('a file outside the working directory is named by its absolute path', () => {
    const other = mkdtempSync(join(tmpdir(), 'gate-other-'));
    try {
      writeFileSync(join(other, 'g.yml'), 'arms: {}\n');
      const file = join(other, 'g.yml');
      expect(thrown(() => loadConfig(file, repo)).message).toBe(`${file}:1: arms.baseline: is required\n${file}:1: arms.candidate: is required`);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
