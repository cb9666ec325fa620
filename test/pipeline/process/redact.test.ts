import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectSecrets, createRedactor, createStreamRedactor, redactBuffer, redactDeep, sweepDir } from '../../../src/pipeline/process/redact.js';

const S = 'sk-0123456789abcdef';

describe('collectSecrets', () => {
  it('takes the tokens, the secret-env names and every secret-looking name; short values are named, not redacted', () => {
    const env = {
      MIT_SPIDER_TOKEN: S,
      HF_API_KEY: 'hf_abcdefgh12345',
      MY_PASS: 'short',
      DB_PASSWORD: 'x',
      PLAIN: 'not-a-secret-at-all',
      M6_TENANT: 'tenant-1234',
    };
    const s = collectSecrets(env, ['ghs_tokenvalue123'], ['M6_TENANT', 'MY_PASS']);
    expect(s.values).toEqual(expect.arrayContaining([S, 'hf_abcdefgh12345', 'ghs_tokenvalue123', 'tenant-1234']));
    expect(s.values).not.toContain('not-a-secret-at-all');
    expect(s.values).not.toContain('x');
    expect(s.tooShort).toEqual(['MY_PASS']);
  });
});

describe('redaction', () => {
  it('replaces every occurrence, longest first, in strings, objects and bytes', () => {
    const r = createRedactor([`${S}-long`, S]);
    expect(r(`a ${S} b ${S}-long c`)).toBe('a *** b *** c');
    expect(redactDeep({ a: [S, 1, { b: `x${S}` }], n: null }, r)).toEqual({ a: ['***', 1, { b: 'x***' }], n: null });
    expect(redactBuffer(Buffer.from(`\u00e9${S}\u00e9`), [S]).toString()).toBe('\u00e9***\u00e9');
  });

  it('catches a secret split across chunks, also on a line without a line break', () => {
    const stream = createStreamRedactor([S]);
    const parts = [`token=${S.slice(0, 5)}`, `${S.slice(5)}\nnext `, 'x'.repeat(5000), S.slice(0, 3), `${S.slice(3)} end`];
    const out = Buffer.concat([...parts.map((p) => stream.push(Buffer.from(p))), stream.end()]).toString();
    expect(out).toBe(`token=***\nnext ${'x'.repeat(5000)}*** end`);
  });

  it('sweeps a result dir: rewrites only the files holding a secret', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sweep-'));
    mkdirSync(path.join(dir, 'acc_ckpt'));
    writeFileSync(path.join(dir, 'acc_ckpt', 'results.json'), `{"token": "${S}"}`);
    writeFileSync(path.join(dir, 'clean.log'), 'nothing here');
    expect(sweepDir(dir, [S]).changed).toEqual([path.join('acc_ckpt', 'results.json')]);
    expect(readFileSync(path.join(dir, 'acc_ckpt', 'results.json'), 'utf8')).toBe('{"token": "***"}');
  });
});
