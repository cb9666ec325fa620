// Rules the schema cannot say: bounds in order, distinct arms, GPU sets, placeholders, paths.
// Each issue points at the key to fix (or, when that key is absent, at the one whose default it is).

import { posix } from 'node:path';
import { ARM_ROLES } from '../model.js';
import { escapeProblem, isAbsolutePath } from './paths.js';
import { commandProblem, EVAL_CONTEXT, modelIdProblem, PLACEHOLDER_ENV, TRAIN_CONTEXT, type CommandContext } from './placeholders.js';
import type { Issue } from './schema-check.js';
import type { Command, GateConfig } from './types.js';
import { formatPath, type KeyPath } from './yaml-source.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- YAML the schema already checked (schema-check.ts)
type Raw = Record<string, any>;

const BOUNDED_CHECKS = [
  ['train-loss', 'trainLoss'],
  ['loss-curve', 'lossCurve'],
  ['loss-tail', 'lossTail'],
  ['eval-loss', 'evalLoss'],
  ['eval-loss-docs', 'evalLossDocs'],
] as const;

/** lm-eval and custom commands: MT-Bench's placeholders except {model_id} (they have no model id). */
const EVALUATOR_CONTEXT: CommandContext = {
  allowed: ['model', 'output', 'checkpoint', 'arm', 'result_dir'],
  what: 'an lm-eval or custom evaluation command',
};

/** Where an evaluator's files are: a path template with these names (engine/evaluator-paths.ts expands it). */
export const PATH_CONTEXT: CommandContext = { allowed: ['arm', 'slug', 'output', 'result_dir'], what: 'an evaluation file path' };

/** Problems of a config that passed the schema; `raw` is the file's data (to know what was written). */
export function crossCheckIssues(config: GateConfig, raw: Raw): Issue[] {
  const issues: Issue[] = [];
  const add = (path: KeyPath, message: string): void => {
    issues.push({ path, text: `${formatPath(path)}: ${message}` });
  };
  const reserved = new Set(Object.values(PLACEHOLDER_ENV));

  for (const role of ARM_ROLES) {
    const arm = config.arms[role];
    checkCommand(add, ['arms', role, 'train'], arm.train, TRAIN_CONTEXT);
    for (const name of Object.keys(arm.env)) {
      if (reserved.has(name)) add(['arms', role, 'env', name], 'is set by the gate (from a placeholder); use another name');
    }
    if (!isAbsolutePath(arm.output)) {
      const problem = escapeProblem(arm.output, "the run's result dir");
      if (problem) add(['arms', role, 'output'], problem);
    }
  }
  const { baseline, candidate } = config.arms;
  for (const arm of [baseline, candidate]) {
    if (arm.slug === 'original') add(['arms', arm.role, 'slug'], '"original" is taken by the original model\'s evaluation log; choose another slug');
  }
  if (baseline.slug === candidate.slug) {
    add(['arms', 'candidate', 'slug'], `"${candidate.slug}" is also the baseline's slug; slugs name the log files and must differ`);
  } else if (normal(baseline.output) === normal(candidate.output)) {
    add(['arms', 'candidate', 'output'], `"${candidate.output}" is also the baseline's output dir; the arms must write to different dirs`);
  }

  const mtbench = config.evaluations.mtbench;
  if (mtbench) {
    checkCommand(add, ['evaluations', 'mtbench', 'run'], mtbench.run, EVAL_CONTEXT);
    for (const name of Object.keys(mtbench.env)) {
      if (reserved.has(name)) add(['evaluations', 'mtbench', 'env', name], 'is set by the gate (from a placeholder); use another name');
    }
    if (mtbench.modelId !== 'auto') {
      const problem = modelIdProblem(mtbench.modelId);
      if (problem) add(['evaluations', 'mtbench', 'model-id'], problem);
    }
  }

  evaluatorIssues(config, raw, add, reserved);

  for (const [key, field] of BOUNDED_CHECKS) {
    const { pass, fail } = config.checks[field];
    if (fail < pass) {
      const written = raw.checks?.[key] ?? {};
      add(['checks', key, 'fail' in written ? 'fail' : 'pass'], `fail bound (${fail}) must be >= pass bound (${pass})`);
    }
  }

  // result-dir may be anywhere (absolute: a self-hosted runner's scratch volume): the config is the
  // repository's own file, and a change that can edit it can edit the training command too. What
  // must stay inside is what gets uploaded (the artifact globs below).
  for (const list of ['include', 'exclude'] as const) {
    config.artifact[list].forEach((glob, i) => {
      const problem = escapeProblem(glob);
      if (problem) add(['artifact', list, i], problem);
    });
  }

  // public-env only lifts the default redaction of a requires-env value; a secret-env entry or a
  // secret-looking name stays secret (redact.ts).
  const required = new Set([config.evaluations.mtbench, config.evaluations.lmEval, config.evaluations.custom].flatMap((e) => e?.requiresEnv ?? []));
  config.publicEnv.forEach((name, i) => {
    if (!required.has(name)) add(['public-env', i], `${name} is not any evaluation's requires-env (only those are redacted by default)`);
    else if (config.secretEnv.includes(name)) add(['public-env', i], `${name} is also in secret-env; a value cannot be both`);
  });

  if (config.parallel) {
    const a = baseline.gpus?.split(',');
    const b = candidate.gpus?.split(',');
    if (!a || !b) {
      add(['parallel'], 'true needs both arms to set gpus, disjoint (e.g. arms.baseline.gpus: "0,1" and arms.candidate.gpus: "2,3")');
    } else {
      const shared = a.filter((g) => b.includes(g));
      if (shared.length) add(['parallel'], `true needs disjoint gpus, but arms.baseline.gpus and arms.candidate.gpus share ${shared.join(', ')}`);
    }
  }
  return issues;
}

function evaluatorIssues(config: GateConfig, raw: Raw, add: (path: KeyPath, message: string) => void, reserved: Set<string>): void {
  const { evalLoss, lmEval, custom } = config.evaluations;
  checkPath(add, ['evaluations', 'eval-loss', 'documents'], evalLoss.documents);
  for (const [key, ev] of [
    ['lm-eval', lmEval],
    ['custom', custom],
  ] as const) {
    if (!ev) continue;
    if (ev.run !== undefined) checkCommand(add, ['evaluations', key, 'run'], ev.run, EVALUATOR_CONTEXT);
    for (const name of Object.keys(ev.env)) {
      if (reserved.has(name)) add(['evaluations', key, 'env', name], 'is set by the gate (from a placeholder); use another name');
    }
  }
  if (lmEval) {
    checkPath(add, ['evaluations', 'lm-eval', 'results'], lmEval.results);
    const written = raw.evaluations?.['lm-eval']?.margin;
    const policy = raw.checks?.['lm-eval']?.margin;
    if (written !== undefined && policy !== undefined && written !== policy) {
      add(['evaluations', 'lm-eval', 'margin'], `${written} differs from checks.lm-eval.margin (${policy}); set only one of them`);
    }
    if (lmEval.tasks) {
      for (const task of Object.keys(lmEval.metrics)) {
        if (!lmEval.tasks.includes(task))
          add(['evaluations', 'lm-eval', 'metrics', task], `names a task that is not in evaluations.lm-eval.tasks (${lmEval.tasks.join(', ')})`);
      }
    }
  }
  if (custom) checkPath(add, ['evaluations', 'custom', 'file'], custom.file);
}

/** A path template: known placeholders only, and one file per arm (a shared absolute path is a mistake). */
function checkPath(add: (path: KeyPath, message: string) => void, path: KeyPath, template: string): void {
  const problem = commandProblem([template], PATH_CONTEXT);
  if (problem) {
    add(path, problem.message);
    return;
  }
  const perArm = /\{(arm|slug|output)\}/.test(template);
  if (!perArm && (isAbsolutePath(template) || template.startsWith('{result_dir}'))) {
    add(path, `"${template}" is the same file for both arms; make it relative to the arm's output dir, or use {arm}`);
  }
}

function checkCommand(add: (path: KeyPath, message: string) => void, path: KeyPath, cmd: Command, ctx: CommandContext): void {
  const problem = commandProblem(cmd, ctx);
  if (problem) add(problem.index === undefined ? path : [...path, problem.index], problem.message);
}

function normal(p: string): string {
  return posix.normalize(p.replace(/\\/g, '/')).replace(/\/+$/, '');
}
