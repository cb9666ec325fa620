// Secrets are redacted from a stage's log as it is written, not only afterwards: a log read while
// the stage still runs (or left by a gate that was killed) holds no secret either.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProcessRunner } from '../../../src/pipeline/process/process-runner.js';

const SECRET = 'sk-live-0123456789abcdef';

describe('process runner: redaction while streaming', () => {
  it('a secret printed in pieces, on stdout and stderr, is *** in the log while the stage still runs', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pr-redact-'));
    const logFile = path.join(dir, 'eval.log');
    const flag = path.join(dir, 'checked');
    const runner = createProcessRunner({ graceMs: 500 });
    const half = SECRET.length / 2;
    // Prints the secret split over two writes, then waits until the test has read the log.
    const script = `printf 'key=${SECRET.slice(0, half)}'; sleep 0.2; printf '${SECRET.slice(half)}\\n'; echo "err ${SECRET}" >&2; for i in $(seq 100); do [ -e ${flag} ] && break; sleep 0.05; done`;
    const lines: string[] = [];
    const shown: string[] = [];
    const stage = runner.start({
      id: 'eval',
      command: script,
      cwd: dir,
      env: { PATH: process.env.PATH ?? '' },
      logFile,
      secrets: [SECRET],
      onLine: (l) => lines.push(l),
      onShownLine: (l) => shown.push(l),
    });
    for (let i = 0; i < 100 && !(existsSync(logFile) && readFileSync(logFile, 'utf8').includes('err')); i++) await new Promise((r) => setTimeout(r, 50));
    const during = readFileSync(logFile, 'utf8');
    (await import('node:fs')).writeFileSync(flag, '');
    const outcome = await stage.done;
    expect(outcome.status).toBe('ok');
    expect(during).toContain('key=***\n');
    expect(during).toContain('err ***\n');
    expect(during).not.toContain(SECRET.slice(0, half));
    expect(readFileSync(logFile, 'utf8')).not.toContain(SECRET);
    // The parser's lines are the log's (redacted, so the live parse and the final read agree); so are the console's.
    expect(lines).toEqual(expect.arrayContaining(['key=***', 'err ***']));
    expect(lines.join('\n')).not.toContain(SECRET.slice(0, half));
    expect(shown).toEqual(expect.arrayContaining(['key=***', 'err ***']));
    expect(shown.join('\n')).not.toContain(SECRET.slice(0, half));
  });

  it('a secret straddling the 64 KiB cut of a long line is never shown in two halves', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pr-redact-cut-'));
    const shown: string[] = [];
    const runner = createProcessRunner({ graceMs: 500 });
    // 64 KiB minus 10 characters, then the secret, on one line (a JSON blob, a progress bar without \r).
    const script = `head -c ${64 * 1024 - 10} /dev/zero | tr '\\0' x; printf '${SECRET} tail\\n'`;
    const outcome = await runner.start({
      id: 'eval',
      command: script,
      cwd: dir,
      env: { PATH: process.env.PATH ?? '' },
      logFile: path.join(dir, 'eval.log'),
      secrets: [SECRET],
      onShownLine: (l) => shown.push(l),
    }).done;
    expect(outcome.status).toBe('ok');
    expect(shown.join('').length).toBe(64 * 1024 - 10 + '*** tail'.length);
    expect(shown.join('')).toMatch(/x\*\*\* tail$/);
    for (const l of shown) expect(l).not.toMatch(/sk-live|0123456789abcdef|[0-9a-f]{6}$/);
  });
});
