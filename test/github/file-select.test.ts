import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { globToRegExp, selectFiles } from '../../src/github/file-select.js';

describe('globToRegExp', () => {
  const m = (glob: string, p: string) => globToRegExp(glob).test(p);

  it('a pattern without a slash matches a name at any depth', () => {
    expect(m('*.safetensors', 'model.safetensors')).toBe(true);
    expect(m('*.safetensors', 'torch/checkpoint-100/model.safetensors')).toBe(true);
    expect(m('*.safetensors', 'model.safetensors.index.json')).toBe(false);
    expect(m('*.pt', 'a.pth')).toBe(false);
  });

  it('* and ? stay within a segment; ** spans segments', () => {
    expect(m('torch/*.json', 'torch/a.json')).toBe(true);
    expect(m('torch/*.json', 'torch/sub/a.json')).toBe(false);
    expect(m('torch/**/*.json', 'torch/a.json')).toBe(true);
    expect(m('torch/**/*.json', 'torch/x/y/a.json')).toBe(true);
    expect(m('torch/**/*.json', 'acc/a.json')).toBe(false);
    expect(m('log?.txt', 'log1.txt')).toBe(true);
    expect(m('log?.txt', 'log12.txt')).toBe(false);
    expect(m('**', 'any/thing')).toBe(true);
  });

  it('a slash anchors at the root; a matched directory takes everything below', () => {
    expect(m('/result.log', 'result.log')).toBe(true);
    expect(m('/result.log', 'x/result.log')).toBe(false);
    expect(m('checkpoint-*', 'torch/checkpoint-500/trainer_state.json')).toBe(true);
    expect(m('torch/', 'torch/a/b')).toBe(true);
    expect(m('./torch/*.log', 'torch/a.log')).toBe(true);
  });

  it('escapes regex characters', () => {
    expect(m('a+b(1).txt', 'a+b(1).txt')).toBe(true);
    expect(m('a.txt', 'abtxt')).toBe(false);
  });
});

describe('selectFiles', () => {
  let root: string;
  let outside: string;
  const write = (rel: string, text = rel) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ag-select-'));
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'ag-outside-'));
    write('result.log');
    write('summary.json');
    write('torch/trainer_state.json');
    write('torch/model.safetensors');
    write('torch/checkpoint-100/optimizer.pt');
    write('torch/checkpoint-100/rng_state.pth');
    write('acc/pytorch_model.bin');
    write('acc/optimizer_0/__0_0.distcp');
    write('acc/weird:name.log');
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('leaves weights, optimizer state and forbidden names out by default', () => {
    const sel = selectFiles(root);
    expect(sel.files).toEqual(['result.log', 'summary.json', 'torch/trainer_state.json']);
    expect(sel.skipped).toEqual([
      'acc/optimizer_0/__0_0.distcp',
      'acc/pytorch_model.bin',
      'acc/weird:name.log',
      'torch/checkpoint-100/optimizer.pt',
      'torch/checkpoint-100/rng_state.pth',
      'torch/model.safetensors',
    ]);
  });

  it('exclude [] keeps the weights; include narrows', () => {
    expect(selectFiles(root, ['**'], [])).toMatchObject({ skipped: ['acc/weird:name.log'] });
    expect(selectFiles(root, ['*.json']).files).toEqual(['summary.json', 'torch/trainer_state.json']);
    expect(selectFiles(root, ['torch/**'], []).files).toEqual([
      'torch/checkpoint-100/optimizer.pt',
      'torch/checkpoint-100/rng_state.pth',
      'torch/model.safetensors',
      'torch/trainer_state.json',
    ]);
  });

  it('never follows a symlink out of the root, nor into a directory', () => {
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'token');
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'leak.txt'));
    fs.symlinkSync(outside, path.join(root, 'leakdir'));
    fs.symlinkSync(path.join(root, 'torch'), path.join(root, 'loop'));
    fs.symlinkSync(path.join(root, 'summary.json'), path.join(root, 'alias.json'));
    fs.symlinkSync(path.join(root, 'missing'), path.join(root, 'dangling.txt'));
    const sel = selectFiles(root);
    expect(sel.files).toContain('alias.json');
    expect(sel.files).not.toContain('leak.txt');
    expect(sel.skipped).toEqual(expect.arrayContaining(['leak.txt', 'leakdir/', 'loop/', 'dangling.txt']));
    expect(sel.files.some((f) => f.startsWith('leakdir') || f.startsWith('loop'))).toBe(false);
  });

  it('throws when the root does not exist', () => {
    expect(() => selectFiles(path.join(root, 'nope'))).toThrow(/ENOENT/);
  });
});
