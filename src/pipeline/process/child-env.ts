// The environment a stage's child process gets. The runner hands JavaScript actions their inputs
// (INPUT_*, including the github-token input) and the artifact/OIDC credentials (ACTIONS_*), and a
// spawned process inherits all of them unless we build its environment ourselves. Training and
// eval scripts come from the PR under test, so none of that may reach them.

/**
 * The runner's file commands: a child that has them can write the job summary, set the step's
 * outputs, the environment and PATH of later steps (NODE_OPTIONS), and the post step's state.
 * Never passed; under the pid-namespace containment (root) the files themselves are masked too.
 */
export const FILE_COMMANDS = ['GITHUB_STEP_SUMMARY', 'GITHUB_STATE', 'GITHUB_ENV', 'GITHUB_OUTPUT', 'GITHUB_PATH'];

/** Variable names that are never passed to a child. */
const SCRUBBED_NAMES = new Set([
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_RESULTS_URL',
  'ACTIONS_RUNTIME_URL',
  'ACTIONS_CACHE_URL',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'GITHUB_TOKEN',
  'GH_TOKEN',
  ...FILE_COMMANDS,
]);

/** Name prefixes that are never passed: action inputs, the post step's state, any future OIDC request variable. */
const SCRUBBED_PREFIXES = ['INPUT_', 'STATE_', 'ACTIONS_ID_TOKEN_REQUEST_'];

/** True when a variable of this name must not reach a child process. */
export function isScrubbedName(name: string): boolean {
  // Linux names are case-sensitive, but Windows-style or hand-written lower-case variants
  // (input_github-token) would still be the same secret: compare upper-cased.
  const upper = name.toUpperCase();
  if (SCRUBBED_NAMES.has(upper)) return true;
  return SCRUBBED_PREFIXES.some((p) => upper.startsWith(p));
}

/**
 * The complete environment for a child: `base` (usually process.env) plus `extra` (the stage's
 * own variables and the placeholders), minus every scrubbed name and every variable whose value
 * equals one of `secrets` (the token inputs, wherever they were copied to). The rules apply to
 * `extra` too: no token reaches a child, whoever put it there. PATH, HOME, CUDA_*, RUNNER_* (the
 * runner's orphan cleanup keys on RUNNER_TRACKING_ID) and the rest are kept. Pure.
 */
export function childEnv(base: NodeJS.ProcessEnv, extra: Record<string, string>, secrets: string[] = []): Record<string, string> {
  // An empty "secret" would match every empty variable; only real values count.
  const secretValues = new Set(secrets.filter((s) => typeof s === 'string' && s.length > 0));
  const out: Record<string, string> = {};
  const put = (name: string, value: string | undefined): void => {
    if (value === undefined) return;
    if (isScrubbedName(name) || secretValues.has(value)) {
      delete out[name];
      return;
    }
    out[name] = value;
  };
  for (const [name, value] of Object.entries(base)) put(name, value);
  for (const [name, value] of Object.entries(extra)) put(name, value);
  return out;
}
