// What produced a result: tool and platform versions, and the CI context when there is one.
import * as os from 'node:os';
import { VERSION } from '../version.js';

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
