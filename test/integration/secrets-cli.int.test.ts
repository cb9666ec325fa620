// Secrets in every shape, printed by real processes through the bundled CLI (`run --verbose`): no
// recognisable piece of any secret reaches the console or any byte under the result dir.
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ExitCode } from '../../src/constants.js';
import { FIXTURES, runCli, tempDir } from '../helpers/cli.js';
import { JSON_KEY, JUDGE_URL, PEM, TOKEN, leakedPieces, leaksUnder, writeSecretsFile } from '../helpers/secrets.js';
import { replayArgv } from '../helpers/gate.js';

const LEAK = path.join(FIXTURES, 'faults', 'leak-secrets.mjs');

/** A judge (custom evaluation) that needs MIT_SPIDER_URL and prints it, raw and URL-encoded. */
function judge(dir: string): Record<string, unknown> {
  const script = path.join(dir, 'judge.sh');
  writeFileSync(
    script,
    [
      '#!/bin/bash',
      'echo "judge at $MIT_SPIDER_URL"',
      'node -e \'console.log("encoded " + encodeURIComponent(process.env.MIT_SPIDER_URL))\'',
      'echo "[{\\"name\\": \\"judge\\", \\"value\\": 1, \\"higher_is_better\\": true, \\"tolerance\\": 0.1, \\"url\\": \\"$MIT_SPIDER_URL\\"}]" > "$GATE_OUTPUT/metrics.json"',
      '',
    ].join('\n'),
  );
  chmodSync(script, 0o755);
  return { custom: { run: `bash ${script}`, 'requires-env': ['MIT_SPIDER_URL'] } };
}

describe('secrets in every shape (CLI)', () => {
  it('a PEM key, a JSON credential, a token (base64 header, URL-encoded, past the 64 KiB cut) and a requires-env URL: none in the console or the result dir', async () => {
    const dir = tempDir('secrets-cli-');
    mkdirSync(path.join(dir, 'model'));
    writeFileSync(path.join(dir, 'model', 'config.json'), '{"model_type": "llama"}\n');
    const secrets = writeSecretsFile(path.join(dir, 'found-on-disk.json'));
    const cfg = path.join(dir, 'gate.yml');
    writeFileSync(
      cfg,
      stringify({
        name: 'secrets',
        model: path.join(dir, 'model'),
        workdir: dir,
        'result-dir': 'result',
        arms: {
          baseline: { label: 'Torch', slug: 'torch', train: replayArgv('eager', 40) },
          candidate: { label: 'TorchAcc', slug: 'acc', train: [process.execPath, LEAK, secrets, '{output}'] },
        },
        evaluations: judge(dir),
        'secret-env': ['GATE_PEM', 'GOOGLE_JSON'],
        'keep-going': true,
        lock: { enabled: false },
      }),
    );
    const env = { ...process.env, GATE_PEM: PEM, GOOGLE_JSON: JSON_KEY, HF_TOKEN: TOKEN, MIT_SPIDER_URL: JUDGE_URL };
    const r = await runCli(['run', '--verbose', '--config', cfg], { env, timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(ExitCode.Invalid);
    const root = path.join(dir, 'result');
    const res = path.join(root, readdirSync(root).find((n) => /^\d{8}_\d{6}/.test(n)) as string);
    // The stages ran and printed (the judge too): what is checked below was there to leak.
    expect(readFileSync(path.join(res, 'acc_training.log'), 'utf8')).toContain('extraheader=AUTHORIZATION: basic ');
    expect(readFileSync(path.join(res, 'torch_custom_eval.log'), 'utf8')).toContain('judge at ***');
    expect(r.stderr).toContain('[train-candidate] ValueError: bad key:');
    const summary = JSON.parse(readFileSync(path.join(res, 'summary.json'), 'utf8'));
    const tail: string[] = summary.stages.find((s: { id: string }) => s.id === 'train-candidate').log_tail;
    expect(tail.filter((l) => l === '***').length).toBeGreaterThan(10); // the PEM's lines, one by one
    expect(leakedPieces(r.stdout)).toEqual([]);
    expect(leakedPieces(r.stderr)).toEqual([]);
    expect(leaksUnder(res)).toEqual([]);
  }, 120_000);
});
