// run.sh's steps (TorchAcc's benchmarks/accuracy) as named stages, and the files each one writes (names from the arm slugs,
// so the built-in TorchAcc config reproduces torch_training.log, acc_model_eval.log, ...).
import { UsageError } from '../../errors.js';
import type { ArmRole, Role } from '../../model.js';

export const STAGE_IDS = ['train-baseline', 'train-candidate', 'eval-original', 'eval-baseline', 'eval-candidate', 'compare'] as const;
export type StageId = (typeof STAGE_IDS)[number];

export interface ArmNames {
  label: string;
  slug: string;
}

export function trainStage(role: ArmRole): StageId {
  return role === 'baseline' ? 'train-baseline' : 'train-candidate';
}

export function evalStage(role: Role): StageId {
  return `eval-${role}` as StageId;
}

export function trainLogName(arm: ArmNames): string {
  return `${arm.slug}_training.log`;
}

export function evalLogName(role: Role, arm?: ArmNames): string {
  return role === 'original' || !arm ? 'original_model_eval.log' : `${arm.slug}_model_eval.log`;
}

export function stageTitle(id: StageId, arms: Record<ArmRole, ArmNames>): string {
  switch (id) {
    case 'train-baseline':
      return `Train ${arms.baseline.label} (baseline)`;
    case 'train-candidate':
      return `Train ${arms.candidate.label} (candidate)`;
    case 'eval-original':
      return 'Evaluate the original model';
    case 'eval-baseline':
      return `Evaluate ${arms.baseline.label}`;
    case 'eval-candidate':
      return `Evaluate ${arms.candidate.label}`;
    case 'compare':
      return 'Compare';
  }
}

/** Parses `--stages` / the `stages` input: a comma list of stage ids, or `all`. */
export function parseStages(list: string | undefined, source = '--stages'): StageId[] {
  if (!list || list.trim() === '' || list.trim() === 'all') return [...STAGE_IDS];
  const out: StageId[] = [];
  for (const raw of list.split(',')) {
    const s = raw.trim();
    if (!s) continue;
    if (!(STAGE_IDS as readonly string[]).includes(s)) {
      throw new UsageError(`${source}: unknown stage "${s}" (expected a comma list of ${STAGE_IDS.join(', ')}, or all)`);
    }
    if (!out.includes(s as StageId)) out.push(s as StageId);
  }
  if (out.length === 0) throw new UsageError(`${source}: no stage selected`);
  return out;
}
