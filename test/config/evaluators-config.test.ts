// evaluations.eval-loss.documents, evaluations.lm-eval, evaluations.custom and their checks: keys.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { BUILTIN_CONFIG } from '../../src/config/defaults.js';
import { parseConfig } from '../../src/config/parse.js';
import { CONFIG_SCHEMA } from '../../src/config/schema-check.js';

const FILE = '.github/accuracy-gate.yml';
const ARMS = `arms:
  baseline:
    label: Torch
    train: bash ./train.sh {model} {output}
  candidate:
    label: TorchAcc
    slug: acc
    train: bash ./train.sh {model} {output} --compile
`;

function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('evaluator config', () => {
  it('defaults: per-document losses from eval_losses.jsonl, no lm-eval, no custom', () => {
    const c = parseConfig(ARMS, FILE);
    expect(c.evaluations.evalLoss).toEqual({ enabled: true, documents: 'eval_losses.jsonl' });
    expect(c.evaluations.lmEval).toBeUndefined();
    expect(c.evaluations.custom).toBeUndefined();
    expect(BUILTIN_CONFIG.evaluations.evalLoss.documents).toBe('eval_losses.jsonl');
    expect(c.checks.evalLossDocs).toEqual({ enabled: true, pass: 0.005, fail: 0.01, minDocuments: 50, confidence: 0.95, resamples: 10000, seed: 20241205 });
    expect(c.checks.lmEval).toEqual({ enabled: true, margin: 0.01, confidence: 0.95, resamples: 10000, seed: 20241205 });
  });

  it('a full lm-eval and custom block', () => {
    const c = parseConfig(
      `${ARMS}evaluations:
  eval-loss:
    documents: eval/{arm}_losses.jsonl
  lm-eval:
    run: |
      lm_eval --model hf --model_args pretrained={checkpoint} --tasks hellaswag,arc_easy --output_path {output}/lm_eval --log_samples
    results: lm_eval/**/results_*.json
    tasks: [hellaswag, arc_easy]
    metrics: { hellaswag: acc_norm, arc_easy: "acc,none" }
    margin: 0.02
    timeout-minutes: 30
    env: { HF_DATASETS_OFFLINE: 1 }
  custom:
    run: [python, eval_code.py, --model, "{checkpoint}", --out, "{output}/metrics.json"]
    file: "{output}/metrics.json"
`,
      FILE,
    );
    expect(c.evaluations.evalLoss.documents).toBe('eval/{arm}_losses.jsonl');
    expect(c.evaluations.lmEval).toEqual({
      enabled: true,
      run: 'lm_eval --model hf --model_args pretrained={checkpoint} --tasks hellaswag,arc_easy --output_path {output}/lm_eval --log_samples',
      results: 'lm_eval/**/results_*.json',
      tasks: ['hellaswag', 'arc_easy'],
      metrics: { hellaswag: 'acc_norm', arc_easy: 'acc,none' },
      margin: 0.02,
      timeoutMinutes: 30,
      env: { HF_DATASETS_OFFLINE: '1' },
      requiresEnv: [],
    });
    // The margin next to the tasks is the check's margin.
    expect(c.checks.lmEval.margin).toBe(0.02);
    expect(c.evaluations.custom).toEqual({
      enabled: true,
      run: ['python', 'eval_code.py', '--model', '{checkpoint}', '--out', '{output}/metrics.json'],
      file: '{output}/metrics.json',
      timeoutMinutes: 240,
      env: {},
      requiresEnv: [],
    });
  });

  it('minimal blocks take the documented defaults', () => {
    const c = parseConfig(`${ARMS}evaluations:\n  lm-eval: {}\n  custom: {}\n`, FILE);
    const ev = (CONFIG_SCHEMA as { properties: { evaluations: { properties: Record<string, { properties: Record<string, { default?: unknown }> }> } } })
      .properties.evaluations.properties;
    expect(c.evaluations.lmEval).toEqual({
      enabled: true,
      results: ev['lm-eval'].properties.results.default,
      metrics: {},
      margin: 0.01,
      timeoutMinutes: ev['lm-eval'].properties['timeout-minutes'].default,
      env: {},
      requiresEnv: [],
    });
    expect(c.evaluations.lmEval!.results).toBe('lm_eval/**/results*.json');
    expect(c.evaluations.custom).toEqual({ enabled: true, file: ev.custom.properties.file.default, timeoutMinutes: 240, env: {}, requiresEnv: [] });
    expect(ev['eval-loss'].properties.documents.default).toBe(c.evaluations.evalLoss.documents);
  });

  it('checks: overrides for eval-loss-docs, lm-eval and custom', () => {
    const c = parseConfig(
      `${ARMS}checks:\n  eval-loss-docs: { pass: 0.01, fail: 0.02, resamples: 2000, seed: 7 }\n  lm-eval: { margin: 0.005, confidence: 0.9 }\n  custom: { enabled: false }\n`,
      FILE,
    );
    expect(c.checks.evalLossDocs).toMatchObject({ pass: 0.01, fail: 0.02, resamples: 2000, seed: 7, confidence: 0.95 });
    expect(c.checks.lmEval).toMatchObject({ margin: 0.005, confidence: 0.9 });
    expect(c.checks.custom.enabled).toBe(false);
  });

  it('errors name the key and line', () => {
    const bounds = errorOf(`${ARMS}checks:\n  eval-loss-docs: { pass: 0.02, fail: 0.01 }\n`);
    expect(bounds.message).toBe(`${FILE}:10: checks.eval-loss-docs.fail: fail bound (0.01) must be >= pass bound (0.02)`);

    const modelId = errorOf(`${ARMS}evaluations:\n  lm-eval:\n    run: lm_eval --model_args pretrained={checkpoint},id={model_id}\n`);
    expect(modelId.key).toBe('evaluations.lm-eval.run');
    expect(modelId.message).toMatch(/\{model_id\} is not available in an lm-eval or custom evaluation command/);

    const path = errorOf(`${ARMS}evaluations:\n  custom:\n    file: "{outptu}/metrics.json"\n`);
    expect(path.message).toBe(`${FILE}:11: evaluations.custom.file: unknown placeholder {outptu}; did you mean {output}?`);

    const shared = errorOf(`${ARMS}evaluations:\n  lm-eval:\n    results: /data/lm_eval/*.json\n`);
    expect(shared.message).toMatch(/evaluations\.lm-eval\.results: "\/data\/lm_eval\/\*\.json" is the same file for both arms/);
    expect(() => parseConfig(`${ARMS}evaluations:\n  lm-eval:\n    results: "/data/lm_eval_{arm}/*.json"\n`, FILE)).not.toThrow();

    const margins = errorOf(`${ARMS}evaluations:\n  lm-eval:\n    margin: 0.02\nchecks:\n  lm-eval: { margin: 0.01 }\n`);
    expect(margins.message).toMatch(/evaluations\.lm-eval\.margin: 0\.02 differs from checks\.lm-eval\.margin \(0\.01\); set only one of them/);

    const task = errorOf(`${ARMS}evaluations:\n  lm-eval:\n    tasks: [hellaswag]\n    metrics: { arc_easy: acc }\n`);
    expect(task.key).toBe('evaluations.lm-eval.metrics.arc_easy');

    const env = errorOf(`${ARMS}evaluations:\n  custom:\n    env: { GATE_OUTPUT: x }\n`);
    expect(env.key).toBe('evaluations.custom.env.GATE_OUTPUT');

    const typo = errorOf(`${ARMS}evaluations:\n  lm-eval:\n    result: lm_eval/*.json\n`);
    expect(typo.message).toMatch(/unknown key evaluations\.lm-eval\.result; did you mean results\?/);

    expect(errorOf(`${ARMS}evaluations:\n  lm-eval:\n    tasks: []\n`).key).toBe('evaluations.lm-eval.tasks');
  });
});
