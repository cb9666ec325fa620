import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import { ConfigError } from '../../src/errors.js';
import { BUILTIN_CONFIG, BUILTIN_YAML } from '../../src/config/defaults.js';
import { parseConfig } from '../../src/config/parse.js';

const FILE = '.github/accuracy-gate.yml';

/** The ConfigError parseConfig throws for `text` (fails the test when it parses). */
function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const ARMS = `arms:
  baseline:
    train: bash ./train.sh {model} {output}
  candidate:
    train: bash ./train.sh {model} {output} --compile
`;

describe('built-in default', () => {
  it('is TorchAcc benchmarks/accuracy: llama.sh 0/1, fastchat.sh, Torch/TorchAcc, torch/acc', () => {
    const c = BUILTIN_CONFIG;
    expect(c.model).toBe('./Llama-3.2-1B');
    expect(c.workdir).toBe('benchmarks/accuracy');
    expect(c.resultDir).toBe('result');
    expect(c.arms.baseline).toMatchObject({ label: 'Torch', slug: 'torch', train: 'bash ./llama.sh {model} 0 {output}', output: 'torch_ckpt' });
    expect(c.arms.candidate).toMatchObject({ label: 'TorchAcc', slug: 'acc', train: 'bash ./llama.sh {model} 1 {output}', output: 'acc_ckpt' });
    expect(c.evaluations.mtbench).toMatchObject({
      run: 'bash ./fastchat.sh {checkpoint}',
      targets: ['original', 'baseline', 'candidate'],
      judgments: 'FastChat_TorchAcc/fastchat/llm_judge/data/mt_bench/model_judgment/gpt-4_single.jsonl',
      questions: 'FastChat_TorchAcc/fastchat/llm_judge/data/mt_bench/question.jsonl',
      modelId: 'auto',
    });
    expect(c.checks).toEqual(DEFAULT_POLICY);
  });

  it('is exactly what its YAML form parses to', () => {
    expect(parseConfig(BUILTIN_YAML, 'builtin.yml')).toEqual(BUILTIN_CONFIG);
  });

  it('is frozen, so no caller can change the default for the others', () => {
    expect(() => {
      (BUILTIN_CONFIG.arms.baseline as { label: string }).label = 'x';
    }).toThrow(TypeError);
    expect(BUILTIN_CONFIG.arms.baseline.label).toBe('Torch');
  });
});

describe('a full valid file', () => {
  const FULL = `name: torchacc-llama
model: /models/Llama-3.2-1B
workdir: benchmarks/accuracy
result-dir: out/results
arms:
  baseline:  { label: Torch, slug: torch, train: "bash ./llama.sh {model} 0 {output}", env: { NPROC_PER_NODE: 4, DEBUG: true, NAME: x }, timeout-minutes: 90, gpus: "0, 1,2,3", output: torch_ckpt }
  candidate:
    label: TorchAcc
    train: |
      bash ./llama.sh {model} 1 {output}
    gpus: [4, 5, 6, 7]
evaluations:
  mtbench:
    run: [bash, ./fastchat.sh, "{checkpoint}", "--id={model_id}"]
    targets: [baseline, candidate]
    judgments: FastChat/fastchat/llm_judge/data/mt_bench/model_judgment/gpt-4_single.jsonl
    model-id: "{arm}_{run_id}"
    timeout-minutes: 30
    env: { OPENAI_API_BASE: "http://127.0.0.1:8000" }
  eval-loss: { enabled: false }
checks:
  train-loss: { pass: 0.004, fail: 0.008 }
  loss-curve: { warmup-fraction: 0.1, ema-alpha: 0.2, outliers: 3 }
  loss-tail: { fraction: 0.2 }
  eval-loss: { enabled: false }
  mtbench: { margin: 0.25, confidence: 0.9, resamples: 2000, seed: 7, floor: 2.5 }
  speed: { warn-below: 0.95, warmup-fraction: 0.1 }
early-abort: { enabled: false, bound: 0.2, consecutive: 5 }
cache: { enabled: true, dir: ~/.cache/gate, fingerprint: "python -c 'import torch;print(torch.__version__)'", files: [run_clm.py, llama_fsdp_torch.json], write-on: always }
parallel: true
artifact: { include: ["**/*.safetensors"], exclude: [torch_ckpt/optimizer.pt] }
`;

  it('resolves every key, camelCase, with values normalised', () => {
    const c = parseConfig(FULL, FILE);
    expect(c.name).toBe('torchacc-llama');
    expect(c.model).toBe('/models/Llama-3.2-1B');
    expect(c.workdir).toBe('benchmarks/accuracy');
    expect(c.resultDir).toBe('out/results');
    expect(c.arms.baseline).toEqual({
      role: 'baseline',
      label: 'Torch',
      slug: 'torch',
      train: 'bash ./llama.sh {model} 0 {output}',
      env: { NPROC_PER_NODE: '4', DEBUG: 'true', NAME: 'x' },
      timeoutMinutes: 90,
      gpus: '0,1,2,3',
      output: 'torch_ckpt',
    });
    // Block scalar's final newline dropped; slug and output derived from the label.
    expect(c.arms.candidate).toEqual({
      role: 'candidate',
      label: 'TorchAcc',
      slug: 'torchacc',
      train: 'bash ./llama.sh {model} 1 {output}',
      env: {},
      timeoutMinutes: 360,
      gpus: '4,5,6,7',
      output: 'torchacc_ckpt',
    });
    expect(c.evaluations).toEqual({
      mtbench: {
        enabled: true,
        run: ['bash', './fastchat.sh', '{checkpoint}', '--id={model_id}'],
        targets: ['baseline', 'candidate'],
        judgments: 'FastChat/fastchat/llm_judge/data/mt_bench/model_judgment/gpt-4_single.jsonl',
        // FastChat's layout: data/<bench>/question.jsonl next to model_judgment/.
        questions: 'FastChat/fastchat/llm_judge/data/mt_bench/question.jsonl',
        modelId: '{arm}_{run_id}',
        timeoutMinutes: 30,
        env: { OPENAI_API_BASE: 'http://127.0.0.1:8000' },
        requiresEnv: [],
      },
      evalLoss: { enabled: false, documents: 'eval_losses.jsonl' },
    });
    expect(c.checks).toEqual({
      trainLoss: { enabled: true, pass: 0.004, fail: 0.008 },
      lossCurve: { enabled: true, pass: 0.01, fail: 0.02, warmupFraction: 0.1, emaAlpha: 0.2, outliers: 3 },
      lossTail: { enabled: true, pass: 0.005, fail: 0.01, fraction: 0.2 },
      evalLoss: { enabled: false, pass: 0.005, fail: 0.01 },
      evalLossDocs: DEFAULT_POLICY.evalLossDocs,
      lmEval: DEFAULT_POLICY.lmEval,
      custom: DEFAULT_POLICY.custom,
      mtbench: { enabled: true, margin: 0.25, confidence: 0.9, resamples: 2000, seed: 7, floor: 2.5, maxMissing: 0.05 },
      speed: { enabled: true, warnBelow: 0.95, warmupFraction: 0.1, memoryWarnOver: 0.1 },
    });
    expect(c.earlyAbort).toEqual({ enabled: false, bound: 0.2, consecutive: 5 });
    expect(c.cache).toEqual({
      enabled: true,
      dir: '~/.cache/gate',
      fingerprint: "python -c 'import torch;print(torch.__version__)'",
      files: ['run_clm.py', 'llama_fsdp_torch.json'],
      writeOn: 'always',
      serviceTimeoutSeconds: 60,
    });
    expect(c.parallel).toBe(true);
    expect(c.artifact).toEqual({ include: ['**/*.safetensors'], exclude: ['torch_ckpt/optimizer.pt'], maxMib: 1024, timeoutSeconds: 60 });
  });

  it('fills every default for a file with only the two train commands', () => {
    const c = parseConfig(ARMS, FILE);
    expect(c).toMatchObject({ name: 'accuracy-gate', model: './Llama-3.2-1B', workdir: '.', resultDir: 'result', parallel: false });
    expect(c.arms.baseline).toEqual({
      role: 'baseline',
      label: 'Baseline',
      slug: 'baseline',
      train: 'bash ./train.sh {model} {output}',
      env: {},
      timeoutMinutes: 360,
      output: 'baseline_ckpt',
    });
    expect(c.arms.candidate.slug).toBe('candidate');
    expect(c.evaluations).toEqual({ evalLoss: { enabled: true, documents: 'eval_losses.jsonl' } });
    expect(c.checks).toEqual(DEFAULT_POLICY);
    expect(c.earlyAbort).toEqual({ enabled: true, bound: 0.1, consecutive: 3 });
    expect(c.cache).toEqual({ enabled: false, dir: '~/.cache/accuracy-gate', files: [], writeOn: 'default-branch', serviceTimeoutSeconds: 60 });
    expect(c.artifact).toEqual({ include: [], exclude: [], maxMib: 1024, timeoutSeconds: 60 });
    expect(c.publicEnv).toEqual([]);
  });

  it('lets one arm inherit the other through a YAML merge key', () => {
    const c = parseConfig(
      `arms:
  baseline: &arm { train: "a {output}", env: { SEED: 1 }, timeout-minutes: 5 }
  candidate: { <<: *arm, train: "b {output}" }
`,
      FILE,
    );
    expect(c.arms.candidate).toMatchObject({ train: 'b {output}', env: { SEED: '1' }, timeoutMinutes: 5 });
  });

  it('derives safe slugs from labels', () => {
    const c = parseConfig(ARMS.replace('  baseline:\n', '  baseline:\n    label: "Torch (eager) #1"\n'), FILE);
    expect(c.arms.baseline.slug).toBe('torch-eager-1');
  });

  it('accepts an absolute model dir, a result dir that stays inside, and model-id auto', () => {
    const c = parseConfig(`model: /mnt/models/x\nresult-dir: a/../results\n${ARMS}`, FILE);
    expect(c.model).toBe('/mnt/models/x');
    expect(c.resultDir).toBe('a/../results');
  });
});

describe('error messages: "<file>:<line>: <dotted.key>: <problem>"', () => {
  it('YAML syntax errors carry the line', () => {
    const e = errorOf('name: x\narms:\n  baseline: [a\n  candidate: b\n');
    expect(e.message).toBe(`${FILE}:4: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`);
    expect(e).toMatchObject({ file: FILE, line: 4, key: undefined });
  });

  it('duplicate keys are a YAML error on the second one', () => {
    const e = errorOf(`${ARMS}name: a\nname: b\n`);
    expect(e.message).toBe(`${FILE}:7: invalid YAML: Map keys must be unique`);
  });

  it('a file that is not a mapping', () => {
    expect(errorOf('- a\n- b\n').message).toBe(`${FILE}:1: the file must be a mapping of keys (name, model, arms, ...)`);
  });

  it('an empty file (or one without arms) takes the built-in TorchAcc arms', () => {
    const c = parseConfig('', FILE);
    expect(c.arms.baseline.train).toBe('bash ./llama.sh {model} 0 {output}');
    expect(c.arms.candidate.label).toBe('TorchAcc');
    expect(parseConfig('checks:\n  train-loss: { pass: 0.001, fail: 0.002 }\n', FILE).checks.trainLoss.pass).toBe(0.001);
  });

  it('a wrong number names the key, the bound and its line', () => {
    const e = errorOf(ARMS.replace('    train: bash ./train.sh {model} {output}\n', '    train: bash ./train.sh {model} {output}\n    timeout-minutes: 0\n'));
    expect(e.message).toBe(`${FILE}:4: arms.baseline.timeout-minutes: must be a number > 0 and <= 35791`);
    expect(e).toMatchObject({ file: FILE, key: 'arms.baseline.timeout-minutes', line: 4 });
  });

  it('timeout-minutes beyond the longest Node.js timer (2^31 ms, 24.8 days) and huge resamples are refused, naming the key', () => {
    // 40000 minutes = 2.4e9 ms: setTimeout would clamp it to 1 ms and end the stage at once.
    const long = errorOf(
      ARMS.replace('    train: bash ./train.sh {model} {output}\n', '    train: bash ./train.sh {model} {output}\n    timeout-minutes: 40000\n'),
    );
    expect(long.message).toBe(`${FILE}:4: arms.baseline.timeout-minutes: must be a number > 0 and <= 35791`);
    expect(long).toMatchObject({ key: 'arms.baseline.timeout-minutes' });
    expect(
      parseConfig(
        ARMS.replace('    train: bash ./train.sh {model} {output}\n', '    train: bash ./train.sh {model} {output}\n    timeout-minutes: 35791\n'),
        FILE,
      ).arms.baseline.timeoutMinutes,
    ).toBe(35791);
    expect(errorOf(`lock: { timeout-minutes: 1e9 }\n${ARMS}`).message).toMatch(/lock\.timeout-minutes: must be a number > 0 and <= 35791/);
    expect(errorOf(`checks:\n  mtbench: { resamples: 100000000 }\n${ARMS}`).message).toBe(
      `${FILE}:2: checks.mtbench.resamples: must be an integer between 100 and 100000`,
    );
  });

  it('wrong types say what is expected', () => {
    const cases: [string, string][] = [
      [`${ARMS}parallel: yes please\n`, `${FILE}:6: parallel: must be true or false`],
      [`${ARMS}early-abort: { consecutive: 1.5 }\n`, `${FILE}:6: early-abort.consecutive: must be an integer >= 1`],
      [`${ARMS}checks: { mtbench: { confidence: 1 } }\n`, `${FILE}:6: checks.mtbench.confidence: must be a number > 0 and < 1`],
      [`${ARMS}checks: { loss-curve: { outliers: many } }\n`, `${FILE}:6: checks.loss-curve.outliers: must be "auto" or an integer >= 0`],
      [`${ARMS}checks: { train-loss: { pass: .nan } }\n`, `${FILE}:6: checks.train-loss.pass: must be a number >= 0`],
      [`${ARMS}cache: { write-on: sometimes }\n`, `${FILE}:6: cache.write-on: must be one of: default-branch, always, never`],
      [`${ARMS}cache: { service-timeout: 0 }\n`, `${FILE}:6: cache.service-timeout: must be a number > 0 and <= 3600`],
      [`${ARMS}quick: { require-baseline: maybe }\n`, `${FILE}:6: quick.require-baseline: must be true or false`],
      [`${ARMS}artifact: { include: [a, 3] }\n`, `${FILE}:6: artifact.include[1]: must be a non-empty string`],
      [`${ARMS}name: my gate\n`, `${FILE}:6: name: must be a string matching [A-Za-z0-9._-]+`],
      [`${ARMS}arms: 3\n`.replace(ARMS, ''), `${FILE}:1: arms: must be a mapping`],
    ];
    for (const [text, message] of cases) expect(errorOf(text).message).toBe(message);
  });

  it('quick.require-baseline and cache.service-timeout are read', () => {
    const c = parseConfig(`${ARMS}quick: { steps: 20, require-baseline: true }\ncache: { service-timeout: 15 }\n`, FILE);
    expect(c.quick).toEqual({ steps: 20, requireBaseline: true });
    expect(c.cache.serviceTimeoutSeconds).toBe(15);
  });

  it('commands must be a string or an argv list', () => {
    const e = errorOf(ARMS.replace('    train: bash ./train.sh {model} {output}\n', '    train: 42\n'));
    expect(e.message).toBe(`${FILE}:3: arms.baseline.train: must be a command string or a non-empty list of strings (argv)`);
    expect(errorOf(ARMS.replace('    train: bash ./train.sh {model} {output}\n', '    train: []\n')).key).toBe('arms.baseline.train');
  });

  it('a missing required key points at its parent', () => {
    const e = errorOf('arms:\n  baseline:\n    train: a\n  candidate:\n    label: B\n');
    expect(e.message).toBe(`${FILE}:4: arms.candidate.train: is required`);
    expect(e).toMatchObject({ key: 'arms.candidate.train', line: 4 });
  });

  it('mtbench needs run and judgments; targets only original, baseline, candidate, once each', () => {
    expect(errorOf(`${ARMS}evaluations:\n  mtbench:\n    run: x\n`).message).toBe(`${FILE}:7: evaluations.mtbench.judgments: is required`);
    const base = `${ARMS}evaluations:\n  mtbench:\n    run: x {checkpoint}\n    judgments: j.jsonl\n`;
    expect(errorOf(`${base}    targets: [original, torch]\n`).message).toBe(
      `${FILE}:10: evaluations.mtbench.targets[1]: must be one of: original, baseline, candidate`,
    );
    expect(errorOf(`${base}    targets: [baseline, baseline]\n`).message).toBe(`${FILE}:10: evaluations.mtbench.targets: must not list an item twice`);
    expect(errorOf(`${base}    targets: []\n`).message).toBe(`${FILE}:10: evaluations.mtbench.targets: must not be empty`);
  });

  it('environment variable names and values', () => {
    const withEnv = (env: string) => ARMS.replace('    train: bash ./train.sh {model} {output}\n', `    train: a\n    env:\n${env}`);
    expect(errorOf(withEnv('      9LIVES: x\n')).message).toBe(
      `${FILE}:5: arms.baseline.env.9LIVES: not a valid variable name (letters, digits and _, not starting with a digit)`,
    );
    expect(errorOf(withEnv('      LIST: [1]\n')).message).toBe(`${FILE}:5: arms.baseline.env.LIST: must be a string, number or boolean`);
    expect(errorOf(withEnv('      GATE_OUTPUT: /tmp\n')).message).toBe(
      `${FILE}:5: arms.baseline.env.GATE_OUTPUT: is set by the gate (from a placeholder); use another name`,
    );
  });

  it("several problems are listed in file order; key and line are the first one's", () => {
    const e = errorOf(`parallel: 1\n${ARMS}name: "a b"\n`);
    expect(e.message).toBe([`${FILE}:1: parallel: must be true or false`, `${FILE}:7: name: must be a string matching [A-Za-z0-9._-]+`].join('\n'));
    expect(e).toMatchObject({ key: 'parallel', line: 1 });
  });
});

describe('unknown keys', () => {
  it('suggest the closest key, and the typo is not also reported as a missing key', () => {
    const e = errorOf('arms:\n  baseline:\n    trian: a\n  candidate:\n    train: b\n');
    expect(e.message).toBe(`${FILE}:3: unknown key arms.baseline.trian; did you mean train?`);
    expect(e).toMatchObject({ key: 'arms.baseline.trian', line: 3 });
  });

  it('catch other spelling conventions', () => {
    expect(errorOf(ARMS.replace('  candidate:\n', '    timeout_minutes: 5\n  candidate:\n')).message).toBe(
      `${FILE}:4: unknown key arms.baseline.timeout_minutes; did you mean timeout-minutes?`,
    );
    expect(errorOf(`resultDir: r\n${ARMS}`).message).toBe(`${FILE}:1: unknown key resultDir; did you mean result-dir?`);
    expect(errorOf(`${ARMS}checks:\n  train-loss:\n    warmup: 1\n`).message).toBe(
      `${FILE}:8: unknown key checks.train-loss.warmup (expected one of: enabled, pass, fail)`,
    );
  });

  it('list the known keys when nothing is close', () => {
    expect(errorOf(`${ARMS}evaluations:\n  humaneval: {}\n`).message).toBe(
      `${FILE}:7: unknown key evaluations.humaneval (expected one of: mtbench, eval-loss, lm-eval, custom)`,
    );
  });
});

describe('cross-field rules', () => {
  it('fail bound >= pass bound, against the default when only one is written', () => {
    expect(errorOf(`${ARMS}checks:\n  train-loss:\n    pass: 0.02\n`).message).toBe(
      `${FILE}:8: checks.train-loss.pass: fail bound (0.01) must be >= pass bound (0.02)`,
    );
    expect(errorOf(`${ARMS}checks:\n  loss-curve: { pass: 0.01, fail: 0.005 }\n`).message).toBe(
      `${FILE}:7: checks.loss-curve.fail: fail bound (0.005) must be >= pass bound (0.01)`,
    );
    expect(parseConfig(`${ARMS}checks:\n  eval-loss: { pass: 0.01, fail: 0.01 }\n`, FILE).checks.evalLoss).toMatchObject({ pass: 0.01, fail: 0.01 });
  });

  it('slugs differ, are not "original", and outputs differ', () => {
    expect(errorOf('arms:\n  baseline: { train: a, label: Run }\n  candidate: { train: b, label: run }\n').message).toBe(
      `${FILE}:3: arms.candidate.slug: "run" is also the baseline's slug; slugs name the log files and must differ`,
    );
    expect(errorOf('arms:\n  baseline: { train: a, slug: original }\n  candidate: { train: b }\n').message).toBe(
      `${FILE}:2: arms.baseline.slug: "original" is taken by the original model's evaluation log; choose another slug`,
    );
    expect(errorOf('arms:\n  baseline: { train: a, output: ckpt }\n  candidate: { train: b, output: ./ckpt/ }\n').message).toBe(
      `${FILE}:3: arms.candidate.output: "./ckpt/" is also the baseline's output dir; the arms must write to different dirs`,
    );
  });

  it('public-env names a requires-env variable that is not also in secret-env', () => {
    const evals = 'evaluations:\n  custom:\n    run: judge.sh\n    requires-env: [JUDGE_URL, JUDGE_TOKEN]\n';
    expect(parseConfig(`${ARMS}${evals}public-env: [JUDGE_URL]\n`, FILE).publicEnv).toEqual(['JUDGE_URL']);
    expect(errorOf(`${ARMS}${evals}public-env: [HF_HOME]\n`).message).toMatch(/public-env\[0\]: HF_HOME is not any evaluation's requires-env/);
    expect(errorOf(`${ARMS}${evals}secret-env: [JUDGE_URL]\npublic-env: [JUDGE_URL]\n`).message).toMatch(/public-env\[0\]: JUDGE_URL is also in secret-env/);
  });

  it('parallel needs both arms on disjoint GPUs', () => {
    expect(errorOf(`parallel: true\n${ARMS}`).message).toBe(
      `${FILE}:1: parallel: true needs both arms to set gpus, disjoint (e.g. arms.baseline.gpus: "0,1" and arms.candidate.gpus: "2,3")`,
    );
    const gpus = (a: string, b: string) => `parallel: true\narms:\n  baseline: { train: a, gpus: ${a} }\n  candidate: { train: b, gpus: ${b} }\n`;
    expect(errorOf(gpus('"0,1,2"', '[2, 1]')).message).toBe(
      `${FILE}:1: parallel: true needs disjoint gpus, but arms.baseline.gpus and arms.candidate.gpus share 1, 2`,
    );
    expect(parseConfig(gpus('"0,1"', '[2, 3]'), FILE).parallel).toBe(true);
    expect(errorOf(gpus('"0;1"', '2')).message).toBe(`${FILE}:3: arms.baseline.gpus: must be GPU ids like "0,1,2,3" or a list of integers`);
  });

  it('outputs and artifact globs stay inside; result-dir may be absolute (a scratch volume)', () => {
    expect(parseConfig(`result-dir: /scratch/accuracy-gate/results\n${ARMS}`, FILE).resultDir).toBe('/scratch/accuracy-gate/results');
    expect(parseConfig(`result-dir: ../../results\n${ARMS}`, FILE).resultDir).toBe('../../results');
    expect(errorOf(`${ARMS}artifact:\n  include:\n    - ok/**\n    - "*/../../secrets"\n`).message).toBe(
      `${FILE}:9: artifact.include[1]: must not leave the working directory (too many ".." segments)`,
    );
    expect(errorOf(`${ARMS}artifact: { exclude: [/etc/passwd] }\n`).message).toBe(
      `${FILE}:6: artifact.exclude[0]: must be a relative path inside the working directory, not an absolute one`,
    );
    expect(errorOf('arms:\n  baseline: { train: a, output: ../../ckpt }\n  candidate: { train: b }\n').message).toBe(
      `${FILE}:2: arms.baseline.output: must not leave the run's result dir (too many ".." segments)`,
    );
    // A checkpoint on a scratch disk is fine: it is the user's storage, not something the gate uploads.
    expect(parseConfig('arms:\n  baseline: { train: a, output: /scratch/ckpt }\n  candidate: { train: b }\n', FILE).arms.baseline.output).toBe('/scratch/ckpt');
  });

  it('placeholders: unknown ones are named, per-command availability, quoting position', () => {
    const train = (cmd: string) => `arms:\n  baseline:\n    train: ${cmd}\n  candidate:\n    train: b\n`;
    expect(errorOf(train('"python x.py {foo}"')).message).toBe(
      `${FILE}:3: arms.baseline.train: unknown placeholder {foo} (known: {model}, {output}, {arm}, {result_dir}, {quick_steps})`,
    );
    expect(errorOf(train('"python x.py {modle}"')).message).toBe(`${FILE}:3: arms.baseline.train: unknown placeholder {modle}; did you mean {model}?`);
    expect(errorOf(train('"python x.py {checkpoint}"')).message).toBe(
      `${FILE}:3: arms.baseline.train: {checkpoint} is not available in a training command (available: {model}, {output}, {arm}, {result_dir}, {quick_steps})`,
    );
    expect(errorOf(train(`"python x.py --out '{output}'"`)).message).toBe(
      `${FILE}:3: arms.baseline.train: {output} is inside quotes; the gate quotes the value itself: write {output} outside quotes, or use "$GATE_OUTPUT"`,
    );
    expect(errorOf(train('[python, x.py, "{oops}"]')).message).toBe(
      `${FILE}:3: arms.baseline.train[2]: unknown placeholder {oops} (known: {model}, {output}, {arm}, {result_dir}, {quick_steps})`,
    );
    expect(errorOf(train(`"awk '{print}' {output}"`)).message).toBe(
      `${FILE}:3: arms.baseline.train: unknown placeholder {print} (known: {model}, {output}, {arm}, {result_dir}, {quick_steps})`,
    );
    expect(parseConfig(train(`"awk '{{print}}' {output}"`), FILE).arms.baseline.train).toBe("awk '{{print}}' {output}");
  });

  it('model-id templates: known names, file-name characters', () => {
    const mt = (id: string) => `${ARMS}evaluations:\n  mtbench:\n    run: x {checkpoint} {model_id}\n    judgments: j\n    model-id: "${id}"\n`;
    expect(parseConfig(mt('{slug}-{run_id}'), FILE).evaluations.mtbench?.modelId).toBe('{slug}-{run_id}');
    expect(errorOf(mt('{model}_x')).message).toBe(
      `${FILE}:10: evaluations.mtbench.model-id: {model} is not available in model-id (available: {arm}, {slug}, {run_id})`,
    );
    expect(errorOf(mt('{arm} {run_id}')).message).toBe(
      `${FILE}:10: evaluations.mtbench.model-id: " " may only use letters, digits, ".", "_" and "-" (the id names FastChat's files)`,
    );
  });
});
