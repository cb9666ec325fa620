// Hashes of what defines a job's results, for the cache and for comparing runs. Presentation
// (name, labels, slugs), limits (timeouts), policy and scheduling are left out: changing them
// does not change what the commands produce.

import { createHash } from 'node:crypto';
import type { ArmRole } from '../model.js';
import type { ArmConfig, GateConfig } from './types.js';

/** Bumped when the hashed parts change meaning, so old cache entries stop matching. */
const HASH_VERSION = 1;

/** sha256 (hex) of the canonical JSON of the parts that define the whole job. */
export function configHash(config: GateConfig): string {
  const mtbench = config.evaluations.mtbench;
  return sha256(
    canonicalJson({
      v: HASH_VERSION,
      model: config.model,
      workdir: config.workdir,
      arms: { baseline: armPart(config.arms.baseline), candidate: armPart(config.arms.candidate) },
      mtbench: mtbench?.enabled
        ? {
            run: mtbench.run,
            targets: mtbench.targets,
            judgments: mtbench.judgments,
            questions: mtbench.questions,
            modelId: mtbench.modelId,
            env: mtbench.env,
          }
        : null,
      evalLoss: config.evaluations.evalLoss.enabled,
      container: config.container,
    }),
  );
}

/** sha256 (hex) of what defines one arm's training: reusable when the other arm changes. */
export function armHash(config: GateConfig, role: ArmRole): string {
  return sha256(canonicalJson({ v: HASH_VERSION, model: config.model, workdir: config.workdir, arm: armPart(config.arms[role]), container: config.container }));
}

/** JSON with object keys sorted at every level and undefined members left out. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function armPart(arm: ArmConfig): object {
  return { train: arm.train, env: arm.env, gpus: arm.gpus, output: arm.output };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
