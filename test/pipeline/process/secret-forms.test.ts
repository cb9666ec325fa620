// Every form a secret takes in what a stage prints: its lines, a JSON credential's fields, and the
// URL-encoded, JSON-escaped and base64 forms (inside a longer base64 text too).
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectSecrets, createRedactor, createStreamRedactor, redactBuffer, secretNamesOf, sweepDir } from '../../../src/pipeline/process/redact.js';
import { base64Forms, secretForms } from '../../../src/pipeline/process/secret-forms.js';

const PEM = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PEM_LINES = PEM.trim().split('\n');
const TOKEN = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';
/** A service-account key as Google writes it (the private key JSON-escaped inside). */
const JSON_KEY = JSON.stringify(
  { type: 'service_account', project_id: 'acme-ci', private_key_id: '3f1c0a9be4d2', private_key: PEM, client_email: 'gate@acme-ci.iam.gserviceaccount.com' },
  null,
  2,
);

/** No PEM body line (nor the whole key) survives in `text`. */
function leaks(text: string, lines = PEM_LINES): string[] {
  return lines.filter((l) => l.length >= 8 && text.includes(l));
}

describe('secret forms', () => {
  it('a multi-line PEM key: the whole value and each line', () => {
    const r = createRedactor([PEM]);
    expect(r(`key:\n${PEM}done`)).toBe('key:\n***done');
    // Printed line by line with a prefix (a logger), or with \r\n line ends.
    const logged = PEM_LINES.map((l) => `INFO ${l}`).join('\r\n');
    expect(leaks(r(logged))).toEqual([]);
    expect(r(logged)).toContain('INFO ***');
  });

  it('a JSON credential: the whole value, each line, each field and the key inside printed raw', () => {
    const r = createRedactor([JSON_KEY]);
    expect(r(`creds=${JSON_KEY}`)).toBe('creds=***');
    const key = JSON.parse(JSON_KEY) as { private_key: string; client_email: string };
    // The program parses the JSON and prints the key (real newlines) and the e-mail.
    const printed = r(`using ${key.client_email}\n${key.private_key}`);
    expect(leaks(printed)).toEqual([]);
    expect(printed).not.toContain(key.client_email);
    // Each line of the pretty-printed JSON on its own (a slow writer, a tail line).
    for (const line of JSON_KEY.split('\n')) if (line.trim().length >= 8) expect(r(line)).not.toContain(line.trim());
  });

  it("actions/checkout's persisted header as `git config --list` prints it", () => {
    const header = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`;
    const out = createRedactor([TOKEN])(`http.https://github.com/.extraheader=${header}\ncore.bare=false`);
    expect(out).toMatch(/^http\.https:\/\/github\.com\/\.extraheader=AUTHORIZATION: basic [A-Za-z0-9+/=]*\*\*\*[A-Za-z0-9+/=]*\ncore\.bare=false$/);
    // What is left cannot be decoded back to the token, nor to half of it.
    const left = out
      .split('\n')[0]!
      .replace(/^.*basic /, '')
      .split('***')
      .map((p) => Buffer.from(p, 'base64').toString('latin1'))
      .join('');
    expect(left).not.toContain(TOKEN.slice(0, TOKEN.length / 2));
    expect(left).not.toContain(TOKEN.slice(TOKEN.length / 2));
  });

  it('base64 inside a longer text at every alignment, standard and URL-safe', () => {
    const r = createRedactor([TOKEN]);
    for (let pre = 0; pre < 6; pre++) {
      for (let post = 0; post < 4; post++) {
        const raw = Buffer.from(`${'p'.repeat(pre)}${TOKEN}${'q'.repeat(post)}`);
        for (const enc of [raw.toString('base64'), raw.toString('base64url')]) {
          const out = r(`data: ${enc}`);
          expect(out, `prefix ${pre}, suffix ${post}`).toContain('***');
          const back = out
            .slice(6)
            .split('***')
            .map((p) => Buffer.from(p, 'base64').toString('latin1'))
            .join('');
          expect(back).not.toContain(TOKEN.slice(2, 10));
        }
      }
    }
    // The cores never depend on what surrounds the value.
    expect(base64Forms('abcdefgh').every((f) => f.length >= 8)).toBe(true);
  });

  it('URL-encoded (JS and Python, either hex case) and JSON-escaped (plain, ensure_ascii, "\\/")', () => {
    const pass = 'p@ss/wörd "q" 1+1=2';
    const r = createRedactor([pass]);
    const forms = [
      encodeURIComponent(pass),
      encodeURIComponent(pass).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
      `https://user:${encodeURIComponent(pass)}@judge.example/v1`,
      `q=${encodeURIComponent(pass).replace(/%20/g, '+')}`,
      'p%40ss/w%C3%B6rd%20%22q%22%201%2B1%3D2', // urllib.parse.quote
      JSON.stringify({ password: pass }),
      JSON.stringify({ password: pass }).replace(/\//g, '\\/'),
      '{"password": "p@ss/w\\u00f6rd \\"q\\" 1+1=2"}', // json.dumps (ensure_ascii)
    ];
    for (const f of forms) expect(r(f), f).toContain('***');
    for (const f of forms) expect(r(f), f).not.toMatch(/p(%40|@)ss/);
    expect(secretForms(['short'])).toEqual([]);
  });
});

describe('stream redaction whatever the chunking', () => {
  const run = (values: string[], chunks: string[]) => {
    const s = createStreamRedactor(values);
    return Buffer.concat([...chunks.map((c) => s.push(Buffer.from(c))), s.end()]).toString();
  };

  it('a PEM key cut at every position (two chunks), and byte by byte', () => {
    const text = `loading key\n${PEM}ok\n`;
    for (let cut = 1; cut < text.length; cut += 7) {
      const out = run([PEM], [text.slice(0, cut), text.slice(cut)]);
      expect(leaks(out), `cut at ${cut}`).toEqual([]);
    }
    expect(leaks(run([PEM], [...text]))).toEqual([]);
  });

  it('a partial line held by a slow writer past the 4 KiB hold, then the rest', () => {
    const pad = 'x'.repeat(5000);
    const out = run([TOKEN], [`${pad}${TOKEN.slice(0, 9)}`, TOKEN.slice(9, 20), `${TOKEN.slice(20)} tail\n`]);
    expect(out).toBe(`${pad}*** tail\n`);
  });
});

describe('which values are secrets', () => {
  it('every requires-env value by default, unless public-env; secret-env always', () => {
    const config = {
      secretEnv: ['HF_AUTH'],
      publicEnv: ['JUDGE_REGION'],
      evaluations: { mtbench: { requiresEnv: ['MIT_SPIDER_URL', 'M6_TENANT', 'JUDGE_REGION'] } },
    } as unknown as Parameters<typeof secretNamesOf>[0];
    const env = {
      MIT_SPIDER_URL: 'https://ci:hunter2hunter2@spider.example/api',
      M6_TENANT: 'tenant-4711',
      JUDGE_REGION: 'cn-hangzhou-2',
      HF_AUTH: 'hf_abcdefghijk',
    };
    const s = collectSecrets(env, [], secretNamesOf(config));
    expect(s.values).toEqual(expect.arrayContaining([env.MIT_SPIDER_URL, env.M6_TENANT, env.HF_AUTH]));
    expect(s.values).not.toContain(env.JUDGE_REGION);
    // A requires-env value too short to redact is named, like a secret-env one.
    expect(collectSecrets({ ...env, M6_TENANT: 't-42' }, [], secretNamesOf(config)).tooShort).toEqual(['M6_TENANT']);
  });

  it('an existing path under a secret-looking name is no secret; a token under it is', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paths-'));
    const env = { HF_TOKEN_PATH: dir, GOOGLE_APPLICATION_CREDENTIALS: path.join(dir, 'missing.json'), API_KEY: '/kP9x+Qz8sLm2vW==' };
    const s = collectSecrets(env, [], []);
    expect(s.values).not.toContain(dir);
    // A path that names nothing (and a base64 key that starts with "/") stays secret.
    expect(s.values).toEqual(expect.arrayContaining([env.GOOGLE_APPLICATION_CREDENTIALS, env.API_KEY]));
    expect(createRedactor(s.values)(`"source": "${dir}/acc_ckpt/trainer_state.json"`)).toBe(`"source": "${dir}/acc_ckpt/trainer_state.json"`);
  });
});

describe('sweep', () => {
  it('all forms, never through a symlink; a file too big to sweep is named', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sweep-forms-'));
    const outside = path.join(mkdtempSync(path.join(os.tmpdir(), 'outside-')), 'creds');
    writeFileSync(outside, `token=${TOKEN}\n`);
    mkdirSync(path.join(dir, 'eval'));
    writeFileSync(path.join(dir, 'eval', 'config.txt'), `url=https://x:${encodeURIComponent(TOKEN)}@h\n${PEM}`);
    symlinkSync(outside, path.join(dir, 'eval', 'link'));
    writeFileSync(path.join(dir, 'huge.bin'), '');
    truncateSync(path.join(dir, 'huge.bin'), 300 * 1024 * 1024); // sparse: no disk used
    const r = sweepDir(dir, [TOKEN, PEM]);
    expect(r.changed).toEqual([path.join('eval', 'config.txt')]);
    expect(r.unswept).toEqual(['huge.bin']);
    const swept = readFileSync(path.join(dir, 'eval', 'config.txt'), 'utf8');
    expect(swept).toBe('url=https://x:***@h\n***');
    // The file outside the result dir is untouched (the link was not written through).
    expect(readFileSync(outside, 'utf8')).toBe(`token=${TOKEN}\n`);
    expect(statSync(path.join(dir, 'huge.bin')).size).toBe(300 * 1024 * 1024);
    expect(redactBuffer(Buffer.from(`a${TOKEN}b`), [TOKEN]).toString()).toBe('a***b');
  });
});
