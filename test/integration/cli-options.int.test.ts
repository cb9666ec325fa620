// The options several commands share are declared once (src/cli/options.ts): `run --help` and
// `validate --help` (validate is run --dry-run) describe each of them in the same words.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const SHARED = ['--config', '--model-dir', '--out', '--stages', '--workdir'];

/** Each option's help entry (its flag line and any wrapped continuation lines), keyed by long flag. */
function optionHelp(help: string): Map<string, string> {
  const entries = new Map<string, string>();
  let current: string | undefined;
  for (const line of help.split('\n')) {
    const flag = /^ {2}(--[a-z-]+)/.exec(line);
    if (flag) {
      current = flag[1];
      entries.set(current, line.trim());
    } else if (current && /^ {4,}\S/.test(line)) {
      entries.set(current, `${entries.get(current)} ${line.trim()}`);
    } else {
      current = undefined;
    }
  }
  return entries;
}

describe('shared CLI options', () => {
  it('run --help and validate --help describe --config, --model-dir, --out, --stages and --workdir identically', async () => {
    const run = await runCli(['run', '--help']);
    const validate = await runCli(['validate', '--help']);
    expect([run.code, validate.code]).toEqual([0, 0]);
    const r = optionHelp(run.stdout);
    const v = optionHelp(validate.stdout);
    for (const flag of SHARED) {
      expect(r.get(flag), `run --help lists ${flag}`).toBeDefined();
      expect(v.get(flag), `validate ${flag}`).toBe(r.get(flag));
    }
    // The stage list comes from the stages the pipeline knows, not a copy in the help.
    expect(r.get('--stages')).toContain('train-baseline,train-candidate,eval-original,eval-baseline,eval-candidate,compare');
  });

  it('a shared option keeps working on each command: validate --stages rejects an unknown stage with exit 2', async () => {
    const r = await runCli(['validate', '--stages', 'train-baseline,nonsense']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nonsense/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
