// Writes lm-evaluation-harness output files as lm-eval v0.4.x does. lm-eval is not installed here
// (no network either), so the layout and fields follow its writer code, read from
// EleutherAI/lm-evaluation-harness:
//  - lm_eval/loggers/evaluation_tracker.py: save_results_aggregated writes
//    <output_path>/<model_name_sanitized>/results_<date_id>.json with json.dumps(indent=2,
//    ensure_ascii=False), date_id = datetime.now().isoformat().replace(":", "-"); it adds
//    "task_hashes" and the GeneralConfigTracker fields (model_source, model_name,
//    model_name_sanitized, start_time, end_time, total_evaluation_time_seconds, ...).
//    save_results_samples appends one json.dumps line per sample to
//    samples_<task>_<date_id>.jsonl in the same dir, with "arguments" re-keyed as
//    {"gen_args_<i>": {"arg_<j>": ...}} and "target" as str.
//  - lm_eval/evaluator.py: "results", "group_subtasks", "configs", "versions", "n-shot",
//    "higher_is_better", "n-samples", then "config", "git_hash", "date"; a sample is {"doc_id",
//    "doc", "target", "arguments", "resps", "filtered_resps", "filter", "metrics", "doc_hash",
//    "prompt_hash", "target_hash"} plus one field per metric.
//  - lm_eval/evaluator_utils.py: "<metric>,<filter>" and "<metric>_stderr,<filter>" keys, the
//    stderr "N/A" when it cannot be computed; lm_eval/utils.py sanitize_model_name replaces
//    ["<>:/|\\?*[\]]+ with "__".
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface TaskSpec {
  name: string;
  /** Per-document correctness (1/0) for acc; acc_norm too when given. */
  acc: number[];
  accNorm?: number[];
  /** Write "N/A" as the stderr (lm-eval does when it cannot compute one). */
  stderrNA?: boolean;
  /** doc_id of each document (default 0..n-1). */
  docIds?: number[];
}

export function sanitizeModelName(name: string): string {
  return name.replace(/["<>:/|\\?*[\]]+/g, '__');
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** lm-eval's mean_stderr: sample stddev / sqrt(n). */
export function meanStderr(xs: number[]): number {
  const m = mean(xs);
  const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
  return Math.sqrt(v / xs.length);
}

function taskResult(t: TaskSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { alias: t.name, 'acc,none': mean(t.acc), 'acc_stderr,none': t.stderrNA ? 'N/A' : meanStderr(t.acc) };
  if (t.accNorm) {
    out['acc_norm,none'] = mean(t.accNorm);
    out['acc_norm_stderr,none'] = t.stderrNA ? 'N/A' : meanStderr(t.accNorm);
  }
  return out;
}

function sampleLine(t: TaskSpec, i: number): string {
  const docId = t.docIds?.[i] ?? i;
  const acc = t.acc[i];
  const metrics = t.accNorm ? ['acc', 'acc_norm'] : ['acc'];
  const ll = (k: number) => [String(-1.5 - k * 0.25 - (acc ? 0 : 0.6)), 'False'];
  const sample: Record<string, unknown> = {
    doc_id: docId,
    doc: { id: `doc-${docId}`, question: `Question ${docId}: which ending fits?`, choices: ['A', 'B', 'C', 'D'], label: 1 },
    target: '1',
    arguments: Object.fromEntries([0, 1, 2, 3].map((k) => [`gen_args_${k}`, { arg_0: `Question ${docId}: which ending fits?`, arg_1: ` ${'ABCD'[k]}` }])),
    resps: [0, 1, 2, 3].map((k) => [ll(k)]),
    filtered_resps: [0, 1, 2, 3].map((k) => ll(k)),
    filter: 'none',
    metrics,
    doc_hash: `d${docId.toString(16).padStart(63, '0')}`,
    prompt_hash: `p${docId.toString(16).padStart(63, '0')}`,
    target_hash: '6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b',
    acc,
  };
  if (t.accNorm) sample.acc_norm = t.accNorm[i];
  return JSON.stringify(sample);
}

export interface WrittenRun {
  dir: string;
  results: string;
  samples: string[];
}

/**
 * `lm_eval --model hf --model_args pretrained=<model> --tasks ... --output_path <outputPath>
 * [--log_samples]` as the harness writes it.
 */
export function writeLmEvalRun(outputPath: string, model: string, tasks: TaskSpec[], opts: { logSamples?: boolean; dateId?: string } = {}): WrittenRun {
  const dateId = opts.dateId ?? '2024-12-05T22-30-09.123456';
  const sanitized = sanitizeModelName(model);
  const dir = path.join(outputPath, sanitized);
  mkdirSync(dir, { recursive: true });
  const per = <T>(f: (t: TaskSpec) => T) => Object.fromEntries(tasks.map((t) => [t.name, f(t)]));
  const results = {
    results: per(taskResult),
    group_subtasks: per(() => []),
    configs: per((t) => ({
      task: t.name,
      dataset_path: `fixture/${t.name}`,
      validation_split: 'validation',
      output_type: 'multiple_choice',
      num_fewshot: 0,
      metric_list: [{ metric: 'acc', aggregation: 'mean', higher_is_better: true }],
      metadata: { version: 1.0 },
    })),
    versions: per(() => 1.0),
    'n-shot': per(() => 0),
    higher_is_better: per((t) => (t.accNorm ? { acc: true, acc_norm: true } : { acc: true })),
    'n-samples': per((t) => ({ original: t.acc.length, effective: t.acc.length })),
    config: {
      model: 'hf',
      model_args: `pretrained=${model}`,
      batch_size: 'auto',
      batch_sizes: [64],
      device: 'cuda:0',
      use_cache: null,
      limit: null,
      bootstrap_iters: 100000,
      gen_kwargs: null,
      random_seed: 0,
      numpy_seed: 1234,
      torch_seed: 1234,
      fewshot_seed: 1234,
    },
    git_hash: 'a1b2c3d',
    date: 1733437809.123456,
    transformers_version: '4.47.0',
    task_hashes: opts.logSamples ? per((t) => `h${t.name}`) : {},
    model_source: 'hf',
    model_name: model,
    model_name_sanitized: sanitized,
    system_instruction: null,
    system_instruction_sha: null,
    fewshot_as_multiturn: false,
    chat_template: null,
    chat_template_sha: null,
    start_time: 1234.5,
    end_time: 1301.25,
    total_evaluation_time_seconds: '66.75',
  };
  const file = path.join(dir, `results_${dateId}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  const samples: string[] = [];
  if (opts.logSamples) {
    for (const t of tasks) {
      const s = path.join(dir, `samples_${t.name}_${dateId}.jsonl`);
      writeFileSync(s, t.acc.map((_, i) => `${sampleLine(t, i)}\n`).join(''));
      samples.push(s);
    }
  }
  return { dir, results: file, samples };
}

/** n deterministic 0/1 outcomes with `correct` ones, spread by a fixed stride. */
export function outcomes(n: number, correct: number, stride = 7): number[] {
  const out = new Array<number>(n).fill(0);
  for (let k = 0, i = 0; k < correct; k++, i = (i + stride) % n) {
    while (out[i] === 1) i = (i + 1) % n;
    out[i] = 1;
  }
  return out;
}
