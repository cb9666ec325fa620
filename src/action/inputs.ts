// The only place that reads action inputs. Validates with messages that name the input.
import { Inputs } from '../constants.js';
import { UsageError } from '../errors.js';
import type { Verdict } from '../model.js';
import { parseStages, type StageId } from '../pipeline/plan/stages.js';
import { coreIo, type ActionIo } from './action-io.js';
import { quickRequest } from '../config/quick-request.js';

export type CommentMode = 'always' | 'on-failure' | 'never';

export interface ActionSettings {
  /** Config file; undefined = the default path, or the built-in TorchAcc flow when that is absent. */
  config?: string;
  modelDir?: string;
  workingDirectory: string;
  token: string;
  comment: CommentMode;
  artifactName?: string;
  artifactRetentionDays?: number;
  /** Verdicts that fail the step (INVALID always does: it is never a silent pass). */
  failOn: Verdict[];
  stages: StageId[];
  allowForkPrs: boolean;
  /** The quick tier (inputs quick, quick-steps); undefined = the full gate. */
  quick?: { steps?: number };
  /** The PR label by which a maintainer acknowledges a FAIL; undefined = off (input set to ''). */
  acknowledgeLabel?: string;
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`input ${name}: "${value}" is not one of ${allowed.join(', ')}`);
}

export function parseFailOn(value: string): Verdict[] {
  const parts = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const out: Verdict[] = ['invalid'];
  for (const p of parts) {
    const v = oneOf(Inputs.FailOn, p, ['fail', 'inconclusive'] as const);
    if (!out.includes(v)) out.push(v);
  }
  if (!out.includes('fail')) throw new UsageError(`input ${Inputs.FailOn}: must include "fail" (got "${value}")`);
  return out;
}

// The YAML 1.2 core schema's booleans, as @actions/core's getBooleanInput accepts them.
const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];

export function getInputs(io: Pick<ActionIo, 'getInput'> = coreIo()): ActionSettings {
  const input = (name: Inputs) => io.getInput(name);
  const retention = input(Inputs.ArtifactRetentionDays);
  let artifactRetentionDays: number | undefined;
  if (retention) {
    artifactRetentionDays = Number(retention);
    if (!Number.isInteger(artifactRetentionDays) || artifactRetentionDays < 1 || artifactRetentionDays > 90) {
      throw new UsageError(`input ${Inputs.ArtifactRetentionDays}: "${retention}" is not a whole number of days from 1 to 90`);
    }
  }
  const fork = input(Inputs.AllowForkPrs);
  if (fork && !TRUE.includes(fork) && !FALSE.includes(fork)) throw new UsageError(`input ${Inputs.AllowForkPrs}: "${fork}" is not true or false`);
  const allowForkPrs = TRUE.includes(fork);
  return {
    quick: quickInputs(input(Inputs.Quick), input(Inputs.QuickSteps)),
    config: input(Inputs.Config) || undefined,
    modelDir: input(Inputs.ModelDir) || undefined,
    workingDirectory: input(Inputs.WorkingDirectory) || '.',
    token: input(Inputs.GithubToken),
    comment: oneOf(Inputs.Comment, input(Inputs.Comment) || 'always', ['always', 'on-failure', 'never'] as const),
    artifactName: input(Inputs.ArtifactName) || undefined,
    artifactRetentionDays,
    failOn: parseFailOn(input(Inputs.FailOn) || 'fail'),
    stages: parseStages(input(Inputs.Stages) || 'all', `input ${Inputs.Stages}`),
    allowForkPrs,
    acknowledgeLabel: acknowledgeLabel(input(Inputs.AcknowledgeLabel)),
  };
}

/** `quick` is true/false (empty = false); `quick-steps` a whole number >= 1, only with quick. */
export function quickInputs(quick: string, steps: string): { steps?: number } | undefined {
  const on = quick.trim().toLowerCase();
  if (on !== '' && on !== 'true' && on !== 'false') throw new UsageError(`input ${Inputs.Quick}: "${quick}" is not true or false`);
  // Empty is unset (GitHub passes every input, empty when not given); the rule is config/quick-request.ts's.
  return quickRequest(on === 'true', steps.trim() || undefined, {
    needsQuick: `input ${Inputs.QuickSteps}: set, but input ${Inputs.Quick} is not true`,
    notWhole: () => `input ${Inputs.QuickSteps}: "${steps}" is not a whole number >= 1`,
  });
}

/** The acknowledge label: unset or empty = the default (GitHub passes the default anyway); `off` = none. */
export const DEFAULT_ACKNOWLEDGE_LABEL = 'accuracy-gate:accept';
export function acknowledgeLabel(value: string): string | undefined {
  const v = value.trim();
  if (v === 'off') return undefined;
  return v || DEFAULT_ACKNOWLEDGE_LABEL;
}
