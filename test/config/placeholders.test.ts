import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { expandCommand, expandModelId, shellQuote, type Placeholders } from '../../src/config/placeholders.js';

const dir = mkdtempSync(join(tmpdir(), 'gate-placeholders-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const trap = join(dir, 'pwned');
const HOSTILE = [
  "x'; touch /tmp/pwned-$$; echo '",
  `x'; touch ${trap}; echo '`,
  `$(touch ${trap})`,
  '$(id)',
  `\`touch ${trap}\``,
  'line1\nline2; touch ' + trap,
  `a"b"c; touch ${trap} #`,
  `; touch ${trap}`,
  '\\',
  "'",
  "''\\''",
  '*',
  '~',
  'NAME=value',
  '-rf /',
  '${HOME}',
  '$HOME',
  '!!',
  'tab\there',
  'ünïcödé 模型',
  '',
];

function values(over: Partial<Placeholders> = {}): Placeholders {
  return { model: '/m', output: 'out', checkpoint: '/m', model_id: 'id', arm: 'baseline', result_dir: 'result/20240101_000000', ...over };
}

// A clean environment (nothing but what the test passes) and stdin from /dev/null: with a socket
// as stdin (node's 'pipe'), Debian's bash thinks it runs under rsh/ssh and sources ~/.bashrc.
function bash(command: string, env: Record<string, string> = {}): string {
  return execFileSync('bash', ['-c', command], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The words bash passes to printf: each printed NUL-terminated, so any value round-trips. */
function bashWords(command: string, env: Record<string, string> = {}): string[] {
  return bash(command, env).split('\0').slice(0, -1);
}

function pwnedInTmp(): string[] {
  return readdirSync('/tmp').filter((n) => n.startsWith('pwned-'));
}

describe('string commands: shell-quoted values', () => {
  it('every hostile value reaches the program as exactly one unchanged argument, and nothing runs', () => {
    const before = pwnedInTmp();
    for (const value of HOSTILE) {
      const { command } = expandCommand("printf '%s\\0' {model} --out={output}", values({ model: value, output: value }));
      expect(bashWords(command as string)).toEqual([value, `--out=${value}`]);
    }
    expect(existsSync(trap)).toBe(false);
    expect(pwnedInTmp()).toEqual(before);
  });

  it('leaves safe values bare so logs stay readable', () => {
    expect(expandCommand('bash ./llama.sh {model} 0 {output}', values({ model: '/models/Llama-3.2-1B', output: 'result/x/torch_ckpt' })).command).toBe(
      'bash ./llama.sh /models/Llama-3.2-1B 0 result/x/torch_ckpt',
    );
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('A=1')).toBe("'A=1'");
  });

  it('exports every placeholder as GATE_* with the raw value', () => {
    const hostile = "x'; touch /tmp/pwned-$$; echo '";
    const v = values({ model: hostile, model_id: 'Llama_1', result_dir: 'r d' });
    const { env } = expandCommand('true', v);
    expect(env).toEqual({
      GATE_MODEL: hostile,
      GATE_OUTPUT: 'out',
      GATE_CHECKPOINT: '/m',
      GATE_MODEL_ID: 'Llama_1',
      GATE_ARM: 'baseline',
      GATE_RESULT_DIR: 'r d',
      GATE_QUICK_STEPS: '',
    });
    expect(bashWords(`printf '%s\\0' "$GATE_MODEL" "$GATE_RESULT_DIR"`, env)).toEqual([hostile, 'r d']);
  });

  it('{{ and }} are literal braces', () => {
    const { command } = expandCommand("printf '%s\\0' {{model}} x{{}}y {model}", values({ model: 'v' }));
    expect(command).toBe("printf '%s\\0' {model} x{}y v");
    expect(bashWords(command as string)).toEqual(['{model}', 'x{}y', 'v']);
  });

  it('works after a closed quote, in $(...), in assignments and mid-word', () => {
    const v = values({ model: "a b'c" });
    const { command } = expandCommand(`X={model}; printf '%s\\0' "$X" 'pre'{model} $(printf %s {model}) a#{model}`, v);
    expect(bashWords(command as string)).toEqual(["a b'c", "prea b'c", 'a', "b'c", "a#a b'c"]);
  });
});

describe('string commands: positions where quoting would not protect the value are errors', () => {
  const cases: [string, string][] = [
    ["echo '{model}'", `{model} is inside quotes; the gate quotes the value itself: write {model} outside quotes, or use "$GATE_MODEL"`],
    ['echo "x {output}"', `{output} is inside quotes; the gate quotes the value itself: write {output} outside quotes, or use "$GATE_OUTPUT"`],
    ["echo $'\\'{model}'", `{model} is inside quotes; the gate quotes the value itself: write {model} outside quotes, or use "$GATE_MODEL"`],
    ['echo `ls {model}`', '{model} is inside backquotes; use $(...) instead'],
    ['true # {model}', '{model} is inside a comment'],
    ['echo \\{model}', '{model} follows a backslash; remove it (the gate quotes the value itself)'],
    ['echo ${model}', `"\${model}" mixes shell and gate syntax; write {model} (quoted by the gate) or "$GATE_MODEL"`],
    ['cat <<EOF\n{model}\nEOF', '{model} follows a here-document (<<), where quoting does not apply; use "$GATE_MODEL" there'],
    ['echo {foo}', 'unknown placeholder {foo} (known: {model}, {output}, {checkpoint}, {model_id}, {arm}, {result_dir}, {quick_steps})'],
    ['echo {chekpoint}', 'unknown placeholder {chekpoint}; did you mean {checkpoint}?'],
    ["awk '{print $1}' x", `lone '{' in "awk '{print $1}' x"; write '{{' for a literal brace`],
    ['echo }', `lone '}' in "echo }"; write '}}' for a literal brace`],
  ];
  for (const [command, message] of cases) {
    it(JSON.stringify(command), () => {
      let error: unknown;
      try {
        expandCommand(command, values());
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toBe(message);
    });
  }

  it('a here-string (<<<) is a plain word, and a closed quote ends the quoted context', () => {
    const { command } = expandCommand("cat <<< {model}; echo 'x' {model}", values({ model: '$(id)' }));
    expect(bash(command as string)).toBe('$(id)\nx $(id)\n');
  });
});

describe('argv commands: verbatim values, no shell', () => {
  it('replaces inside elements without quoting, and runs exactly those arguments', () => {
    const hostile = "x'; touch /tmp/pwned-$$; echo '";
    const { command, env } = expandCommand(['printf', '%s\\0', '{model}', '--out={output}', '{{literal}}'], values({ model: hostile, output: 'a b' }));
    expect(command).toEqual(['printf', '%s\\0', hostile, '--out=a b', '{literal}']);
    expect(env.GATE_MODEL).toBe(hostile);
    const argv = command as string[];
    const out = execFileSync(argv[0], argv.slice(1), {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out.split('\0').slice(0, -1)).toEqual([hostile, '--out=a b', '{literal}']);
  });

  it('names the element of an unknown placeholder', () => {
    expect(() => expandCommand(['run', '{nope}'], values())).toThrow(
      new ConfigError('argument 1: unknown placeholder {nope} (known: {model}, {output}, {checkpoint}, {model_id}, {arm}, {result_dir}, {quick_steps})'),
    );
  });

  it('quotes are just characters in an argv element', () => {
    expect(expandCommand(['echo', "'{model}'"], values({ model: 'v' })).command).toEqual(['echo', "'v'"]);
  });
});

describe('model ids', () => {
  it('fills {arm} {slug} {run_id}', () => {
    expect(expandModelId('gate.{slug}_{arm}_{run_id}', { slug: 'acc', arm: 'candidate', run_id: '20240101_000000' })).toBe(
      'gate.acc_candidate_20240101_000000',
    );
  });

  it('rejects a label (it may hold spaces) and unknown names', () => {
    expect(() => expandModelId('{label}', { slug: 's', arm: 'a', run_id: 'r' })).toThrow(
      new ConfigError('model-id: unknown placeholder {label} (known: {arm}, {slug}, {run_id})'),
    );
  });

  it('rejects characters FastChat cannot use in file names', () => {
    expect(() => expandModelId('a/{arm}', { slug: 's', arm: 'a', run_id: 'r' })).toThrow(ConfigError);
  });
});
