// The only place that reads action inputs. Validates with messages that name the input.
import * as core from '@actions/core';
import { Inputs } from '../constants.js';
import { UsageError } from '../errors.js';
import type { Verdict } from '../model.js';
import { parseStages, type StageId } from '../pipeline/stages.js';

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
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`input ${name}: "${value}" is not one of ${allowed.join(', ')}`);
}

export function parseFailOn(value: string): Verdict[] {
  const parts = value.split(',').map((s) => s.trim()).filter(Boolean);
  const out: Verdict[] = ['invalid'];
  for (const p of parts) {
    const v = oneOf(Inputs.FailOn, p, ['fail', 'inconclusive'] as const);
    if (!out.includes(v)) out.push(v);
  }
  if (!out.includes('fail')) throw new UsageError(`input ${Inputs.FailOn}: must include "fail" (got "${value}")`);
  return out;
}

export function getInputs(): ActionSettings {
  const retention = core.getInput(Inputs.ArtifactRetentionDays);
  let artifactRetentionDays: number | undefined;
  if (retention) {
    artifactRetentionDays = Number(retention);
    if (!Number.isInteger(artifactRetentionDays) || artifactRetentionDays < 1 || artifactRetentionDays > 90) {
      throw new UsageError(`input ${Inputs.ArtifactRetentionDays}: "${retention}" is not a whole number of days from 1 to 90`);
    }
  }
  let allowForkPrs = false;
  try {
    allowForkPrs = core.getBooleanInput(Inputs.AllowForkPrs);
  } catch {
    const raw = core.getInput(Inputs.AllowForkPrs);
    if (raw) throw new UsageError(`input ${Inputs.AllowForkPrs}: "${raw}" is not true or false`);
  }
  return {
    config: core.getInput(Inputs.Config) || undefined,
    modelDir: core.getInput(Inputs.ModelDir) || undefined,
    workingDirectory: core.getInput(Inputs.WorkingDirectory) || '.',
    token: core.getInput(Inputs.GithubToken),
    comment: oneOf(Inputs.Comment, core.getInput(Inputs.Comment) || 'always', ['always', 'on-failure', 'never'] as const),
    artifactName: core.getInput(Inputs.ArtifactName) || undefined,
    artifactRetentionDays,
    failOn: parseFailOn(core.getInput(Inputs.FailOn) || 'fail'),
    stages: parseStages(core.getInput(Inputs.Stages) || 'all', `input ${Inputs.Stages}`),
    allowForkPrs,
  };
}
