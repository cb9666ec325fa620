// store.adopt: an entry fetched from GitHub's cache service joins the local cache dir whole or not at all.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCacheStore } from '../../../src/pipeline/store/cache.js';
import { tempDir } from '../../helpers/cli.js';

function fetched(dir: string, key: string): string {
  const src = path.join(dir, 'fetched', key);
  mkdirSync(path.join(src, 'train'), { recursive: true });
  writeFileSync(path.join(src, 'train', 'trainer_state.json'), '{"log_history": []}\n');
  writeFileSync(path.join(src, 'meta.json'), JSON.stringify({ key, parts: {}, createdAt: '2026-12-06T00:00:00.000Z', data: {} }));
  return src;
}

describe('cache store: adopt', () => {
  it('takes in a fetched entry under its key; get() then finds it', () => {
    const dir = tempDir('adopt-');
    const store = createCacheStore(path.join(dir, 'cache'));
    expect(store.adopt('baseline-abc', fetched(dir, 'baseline-abc'))).toBe(true);
    const got = store.get('baseline-abc');
    expect(got?.meta.key).toBe('baseline-abc');
    expect(readFileSync(path.join(got!.path, 'train', 'trainer_state.json'), 'utf8')).toContain('log_history');
  });

  it('refuses a dir whose meta.json names another key, or none, and keeps an entry already there', () => {
    const dir = tempDir('adopt-');
    const store = createCacheStore(path.join(dir, 'cache'));
    expect(store.adopt('baseline-abc', fetched(dir, 'baseline-other'))).toBe(false);
    const bare = path.join(dir, 'bare');
    mkdirSync(bare);
    expect(store.adopt('baseline-abc', bare)).toBe(false);
    expect(store.get('baseline-abc')).toBeUndefined();
    expect(store.adopt('baseline-abc', fetched(dir, 'baseline-abc'))).toBe(true);
    expect(store.adopt('baseline-abc', fetched(dir, 'baseline-abc'))).toBe(false);
  });
});
