// Rules the schema cannot say: bounds in order, distinct arms, GPU sets, placeholders, paths.
// Each issue points at the key to fix (or, when that key is absent, at the one whose default it is).

import { posix } from 'node:path';
import { ARM_ROLES } from '../model.js';
import { escapeProblem, isAbsolutePath } from './paths.js';
import {
  commandProblem,
  EVAL_CONTEXT,
  modelIdProblem,
  PLACEHOLDER_ENV,
  TRAIN_CONTEXT,
  type CommandContext,
} from './placeholders.js';
import type { Issue } from './schema-check.js';
import type { Command, GateConfig } from './types.js';
import { formatPath, type KeyPath } from './yaml-source.js';

type Raw = Record<string, any>;

const BOUNDED_CHECKS = [
  ['train-loss', 'trainLoss'],
  ['loss-curve', 'lossCurve'],
  ['loss-tail', 'lossTail'],
  ['eval-loss', 'evalLoss'],
] as const;

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

  for (const [key, field] of BOUNDED_CHECKS) {
    const { pass, fail } = config.checks[field];
    if (fail < pass) {
      const written = raw.checks?.[key] ?? {};
      add(['checks', key, 'fail' in written ? 'fail' : 'pass'], `fail bound (${fail}) must be >= pass bound (${pass})`);
    }
  }

  const resultDirProblem = escapeProblem(config.resultDir);
  if (resultDirProblem) add(['result-dir'], resultDirProblem);
  for (const list of ['include', 'exclude'] as const) {
    config.artifact[list].forEach((glob, i) => {
      const problem = escapeProblem(glob);
      if (problem) add(['artifact', list, i], problem);
    });
  }

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

function checkCommand(add: (path: KeyPath, message: string) => void, path: KeyPath, cmd: Command, ctx: CommandContext): void {
  const problem = commandProblem(cmd, ctx);
  if (problem) add(problem.index === undefined ? path : [...path, problem.index], problem.message);
}

function normal(p: string): string {
  return posix.normalize(p.replace(/\\/g, '/')).replace(/\/+$/, '');
}
