// What produced a result: tool and platform versions, and the CI context when there is one.
import * as os from 'node:os';
import { VERSION } from '../version.js';
import type { GateConfig } from '../config/types.js';
import { configHash } from '../config/config-hash.js';

export function baseProvenance(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {
    'accuracy-gate': VERSION,
    node: process.version,
    host: `${os.platform()}-${os.arch()}`,
  };
  const pick: [string, string][] = [
    ['GITHUB_REPOSITORY', 'repository'],
    ['GITHUB_SHA', 'commit'],
    ['GITHUB_REF', 'ref'],
    ['GITHUB_EVENT_NAME', 'event'],
    ['GITHUB_RUN_ID', 'run-id'],
    ['GITHUB_RUN_ATTEMPT', 'run-attempt'],
    ['RUNNER_NAME', 'runner'],
  ];
  for (const [k, name] of pick) if (env[k]) out[name] = env[k] as string;
  return out;
}

/**
 * A gate result's provenance, as every front end states it: the base, the config file (when the
 * caller states it here), the config's hash, then the caller's own (a bisected commit).
 */
export function gateProvenance(
  config: GateConfig,
  o: { env?: NodeJS.ProcessEnv; source?: string; extra?: Record<string, string> } = {},
): Record<string, string> {
  return { ...baseProvenance(o.env), ...(o.source !== undefined ? { config: o.source } : {}), 'config-hash': configHash(config), ...o.extra };
}
