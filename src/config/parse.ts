// parseConfig: YAML text → validated GateConfig. Pure (no I/O). Every problem becomes one
// ConfigError whose message lines read "<file>:<line>: <dotted.key>: <what is wrong>".

import { posix } from 'node:path';
import { resolvePolicy, type PolicyOverrides } from '../checks/policy.js';
import { ConfigError } from '../errors.js';
import type { ArmRole, Role } from '../model.js';
import { containerConfig } from './container.js';
import { crossCheckIssues } from './cross-checks.js';
import { probeSettings } from './probe.js';
import {
  DEFAULT_ARTIFACT,
  DEFAULT_CACHE_DIR,
  DEFAULT_CACHE_SERVICE_TIMEOUT,
  DEFAULT_CUSTOM_FILE,
  DEFAULT_EVAL_DOCUMENTS,
  DEFAULT_EVAL_TIMEOUT_MINUTES,
  DEFAULT_LM_EVAL_RESULTS,
  DEFAULT_LOCK_FILE,
  DEFAULT_LOCK_TIMEOUT_MINUTES,
  DEFAULT_MODEL,
  DEFAULT_NAME,
  DEFAULT_RESULT_DIR,
  DEFAULT_TRAIN_TIMEOUT_MINUTES,
  DEFAULT_WORKDIR,
} from './defaults.js';
import { BUILTIN_CONFIG, BUILTIN_YAML } from './defaults.js';
import { parse as parseYaml } from 'yaml';
import { schemaIssues, type Issue } from './schema-check.js';
import type { ArmConfig, CacheWriteOn, Command, CustomEvalConfig, GateConfig, LmEvalConfig, MtBenchConfig } from './types.js';
import { formatPath, isSyntaxProblem, readYaml, type KeyPath } from './yaml-source.js';

/** At most this many problems are listed in one error (the first decides its key and line). */
const MAX_LISTED = 10;

// What the schema guarantees about the shape; values are checked, only their presence is optional.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see the line above
type Raw = Record<string, any>;

export function parseConfig(text: string, file: string): GateConfig {
  const source = readYaml(text);
  if (isSyntaxProblem(source)) {
    throw new ConfigError(`${file}:${source.line}: ${source.message}`, file, undefined, source.line);
  }
  // An empty file is an empty mapping: every default applies.
  const data = source.data ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(`${file}:1: the file must be a mapping of keys (name, model, arms, ...)`, file, undefined, 1);
  }
  // Validated after the merge: a key the built-in flow provides (mtbench.run) need not be repeated.
  const effective = extendsBuiltin(data as Raw) ? mergeOver(builtinRaw(), data as Raw) : (data as Raw);
  let issues = schemaIssues(effective);
  let config: GateConfig | undefined;
  if (issues.length === 0) {
    config = build(effective);
    issues = crossCheckIssues(config, effective);
  }
  if (issues.length > 0 || !config) throw toError(issues, file, source.lineOf);
  return config;
}

/**
 * The merge rule. `extends: builtin` puts this file over TorchAcc's flow (BUILTIN_YAML);
 * `extends: none` uses this file alone. Unsaid: a file without `arms` extends the built-in flow
 * (it tunes checks, paths or evaluations of TorchAcc's benchmark), a file with its own arms is a
 * flow of its own (a custom training script must not inherit fastchat.sh stages).
 */
export function extendsBuiltin(raw: Raw): boolean {
  const ext = raw.extends as 'builtin' | 'none' | undefined;
  return ext === undefined ? raw.arms === undefined : ext === 'builtin';
}

let builtinCache: Raw | undefined;
function builtinRaw(): Raw {
  builtinCache ??= parseYaml(BUILTIN_YAML) as Raw;
  return structuredClone(builtinCache);
}

const isMap = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * `over` on top of `base`: mappings merge key by key; lists, strings and numbers replace. An arm
 * given its own label gets its own slug and output dir (not the built-in "torch"/"torch_ckpt").
 */
export function mergeOver(base: Raw, over: Raw, path: string[] = []): Raw {
  const out: Raw = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    if (isMap(b) && isMap(v)) {
      let baseMap = b;
      if (path.length === 1 && path[0] === 'arms' && v.label !== undefined) {
        const { slug: _slug, output: _output, ...rest } = b;
        baseMap = rest;
      }
      out[k] = mergeOver(baseMap, v, [...path, k]);
    } else out[k] = v;
  }
  return out;
}

function toError(issues: Issue[], file: string, lineOf: (path: KeyPath) => number): ConfigError {
  // File order reads best; sort is stable, so problems on one line keep the validator's order.
  const located = issues.map((i) => ({ ...i, line: lineOf(i.path) })).sort((a, b) => a.line - b.line);
  const lines = located.slice(0, MAX_LISTED).map((i) => `${file}:${i.line}: ${i.text}`);
  if (located.length > MAX_LISTED) lines.push(`... and ${located.length - MAX_LISTED} more problems`);
  const first = located[0];
  return new ConfigError(lines.join('\n'), file, formatPath(first.path), first.line);
}

function build(raw: Raw): GateConfig {
  const evaluations = (raw.evaluations ?? {}) as Raw;
  const checks = resolvePolicy(policyOverrides(raw.checks ?? {}));
  // One margin, two places to write it: evaluations.lm-eval.margin (next to the tasks) applies
  // unless checks.lm-eval.margin is written (a conflict between the two is a cross-check issue).
  const lmMargin = evaluations['lm-eval']?.margin;
  if (lmMargin !== undefined && raw.checks?.['lm-eval']?.margin === undefined) checks.lmEval.margin = lmMargin;
  const cache = (raw.cache ?? {}) as Raw;
  const abort = (raw['early-abort'] ?? {}) as Raw;
  const lock = (raw.lock ?? {}) as Raw;
  return {
    name: raw.name ?? DEFAULT_NAME,
    model: raw.model ?? DEFAULT_MODEL,
    workdir: raw.workdir ?? DEFAULT_WORKDIR,
    resultDir: raw['result-dir'] ?? DEFAULT_RESULT_DIR,
    // Without arms (e.g. a file that only tunes checks for `compare`), TorchAcc's arms apply.
    arms: raw.arms ? { baseline: arm(raw.arms.baseline, 'baseline'), candidate: arm(raw.arms.candidate, 'candidate') } : structuredClone(BUILTIN_CONFIG.arms),
    evaluations: {
      // `enabled: false` (e.g. over the built-in flow): no MT-Bench stages at all.
      ...(evaluations.mtbench && evaluations.mtbench.enabled !== false ? { mtbench: mtbench(evaluations.mtbench) } : {}),
      evalLoss: {
        enabled: evaluations['eval-loss']?.enabled ?? true,
        documents: evaluations['eval-loss']?.documents ?? DEFAULT_EVAL_DOCUMENTS,
      },
      ...(evaluations['lm-eval'] ? { lmEval: lmEval(evaluations['lm-eval'], checks.lmEval.margin) } : {}),
      ...(evaluations.custom ? { custom: custom(evaluations.custom) } : {}),
    },
    checks,
    earlyAbort: { enabled: abort.enabled ?? true, bound: abort.bound ?? 0.1, consecutive: abort.consecutive ?? 3 },
    ...(raw.container ? { container: containerConfig(raw.container as Raw) } : {}),
    quick: {
      ...(raw.quick?.steps !== undefined ? { steps: raw.quick.steps as number } : {}),
      ...(raw.quick?.['require-baseline'] !== undefined ? { requireBaseline: raw.quick['require-baseline'] as boolean } : {}),
    },
    cache: {
      enabled: cache.enabled ?? false,
      dir: cache.dir ?? DEFAULT_CACHE_DIR,
      ...(cache.fingerprint !== undefined ? { fingerprint: cache.fingerprint as string } : {}),
      files: cache.files ?? [],
      writeOn: (cache['write-on'] ?? 'default-branch') as CacheWriteOn,
      serviceTimeoutSeconds: cache['service-timeout'] ?? DEFAULT_CACHE_SERVICE_TIMEOUT,
    },
    parallel: raw.parallel ?? false,
    keepGoing: raw['keep-going'] ?? false,
    secretEnv: [...((raw['secret-env'] ?? []) as string[])],
    publicEnv: [...((raw['public-env'] ?? []) as string[])],
    lock: {
      enabled: lock.enabled ?? true,
      file: lock.file ?? DEFAULT_LOCK_FILE,
      timeoutMinutes: lock['timeout-minutes'] ?? DEFAULT_LOCK_TIMEOUT_MINUTES,
    },
    artifact: {
      include: raw.artifact?.include ?? [],
      exclude: raw.artifact?.exclude ?? [],
      maxMib: raw.artifact?.['max-mib'] ?? DEFAULT_ARTIFACT.maxMib,
      timeoutSeconds: raw.artifact?.['timeout-seconds'] ?? DEFAULT_ARTIFACT.timeoutSeconds,
    },
    ...(raw.diagnose === 'probe' ? { diagnose: 'probe' as const } : {}),
    ...(raw.probe ? { probe: probeSettings(raw.probe as Raw) } : {}),
  };
}

function arm(raw: Raw, role: ArmRole): ArmConfig {
  const label: string = raw.label ?? (role === 'baseline' ? 'Baseline' : 'Candidate');
  const slug: string = raw.slug ?? slugOf(label, role);
  return {
    role,
    label,
    slug,
    train: command(raw.train),
    env: env(raw.env),
    timeoutMinutes: raw['timeout-minutes'] ?? DEFAULT_TRAIN_TIMEOUT_MINUTES,
    ...(raw.gpus !== undefined ? { gpus: gpus(raw.gpus) } : {}),
    output: raw.output ?? `${slug}_ckpt`,
  };
}

function mtbench(raw: Raw): MtBenchConfig {
  return {
    enabled: raw.enabled ?? true,
    run: command(raw.run),
    targets: (raw.targets ?? ['original', 'baseline', 'candidate']) as Role[],
    judgments: raw.judgments,
    questions: raw.questions ?? defaultQuestions(raw.judgments),
    modelId: raw['model-id'] ?? 'auto',
    timeoutMinutes: raw['timeout-minutes'] ?? DEFAULT_EVAL_TIMEOUT_MINUTES,
    env: env(raw.env),
    requiresEnv: [...((raw['requires-env'] ?? []) as string[])],
    ...(raw.gpus !== undefined ? { gpus: gpus(raw.gpus) } : {}),
  };
}

function lmEval(raw: Raw, margin: number): LmEvalConfig {
  return {
    enabled: raw.enabled ?? true,
    ...(raw.run !== undefined ? { run: command(raw.run) } : {}),
    results: raw.results ?? DEFAULT_LM_EVAL_RESULTS,
    ...(raw.tasks !== undefined ? { tasks: [...(raw.tasks as string[])] } : {}),
    metrics: { ...((raw.metrics ?? {}) as Record<string, string>) },
    margin,
    timeoutMinutes: raw['timeout-minutes'] ?? DEFAULT_EVAL_TIMEOUT_MINUTES,
    env: env(raw.env),
    requiresEnv: [...((raw['requires-env'] ?? []) as string[])],
  };
}

function custom(raw: Raw): CustomEvalConfig {
  return {
    enabled: raw.enabled ?? true,
    ...(raw.run !== undefined ? { run: command(raw.run) } : {}),
    file: raw.file ?? DEFAULT_CUSTOM_FILE,
    timeoutMinutes: raw['timeout-minutes'] ?? DEFAULT_EVAL_TIMEOUT_MINUTES,
    env: env(raw.env),
    requiresEnv: [...((raw['requires-env'] ?? []) as string[])],
  };
}

/** FastChat keeps data/<bench>/question.jsonl two levels above data/<bench>/model_judgment/<judge>_single.jsonl. */
function defaultQuestions(judgments: string): string {
  return posix.join(posix.dirname(posix.dirname(judgments.replace(/\\/g, '/'))), 'question.jsonl');
}

/** "TorchAcc" → "torchacc", "Torch (eager)" → "torch-eager": a safe file-name stem. */
export function slugOf(label: string, fallback: string): string {
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '');
  return slug || fallback;
}

// A block scalar (`train: |`) ends with a newline that means nothing to bash; argv stays verbatim.
function command(raw: string | string[]): Command {
  return typeof raw === 'string' ? raw.replace(/\s+$/, '') : [...raw];
}

// YAML reads `NPROC_PER_NODE: 4` as a number; the environment only holds strings.
function env(raw: Record<string, string | number | boolean> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw ?? {})) out[k] = String(v);
  return out;
}

/** "0, 1" / 0 / [0, 1] → "0,1" (the CUDA_VISIBLE_DEVICES form). */
function gpus(raw: string | number | number[]): string {
  if (Array.isArray(raw)) return raw.join(',');
  return String(raw)
    .split(',')
    .map((s) => s.trim())
    .join(',');
}

// `checks` keys and their fields are the kebab-case spelling of Policy's (train-loss → trainLoss).
function policyOverrides(raw: Raw): PolicyOverrides {
  const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const out: Record<string, Record<string, unknown>> = {};
  for (const [check, fields] of Object.entries(raw)) {
    out[camel(check)] = Object.fromEntries(Object.entries(fields as Raw).map(([k, v]) => [camel(k), v]));
  }
  return out as PolicyOverrides;
}
