import { describe, expect, it } from 'vitest';
import { childEnv, isScrubbedName } from '../../../src/pipeline/process/child-env.js';

describe('childEnv', () => {
  const base = {
    PATH: '/usr/bin:/bin',
    HOME: '/home/runner',
    CUDA_VISIBLE_DEVICES: '0',
    CUDA_HOME: '/usr/local/cuda',
    RUNNER_TRACKING_ID: 'github_1',
    GITHUB_WORKSPACE: '/w',
    'INPUT_GITHUB-TOKEN': 'ghs_tok',
    INPUT_CONFIG: 'cfg.yml',
    ACTIONS_RUNTIME_TOKEN: 'jwt',
    ACTIONS_RESULTS_URL: 'https://r/',
    ACTIONS_RUNTIME_URL: 'https://u/',
    ACTIONS_CACHE_URL: 'https://c/',
    ACTIONS_ID_TOKEN_REQUEST_URL: 'https://o/',
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc',
    GITHUB_TOKEN: 'gt',
    GH_TOKEN: 'gh',
    HF_TOKEN_COPY: 'ghs_tok',
    EMPTY: '',
    UNSET: undefined,
  };

  it('drops inputs, runtime credentials, tokens and secret values; keeps the rest', () => {
    const env = childEnv(base, {}, ['ghs_tok']);
    expect(env).toEqual({
      PATH: '/usr/bin:/bin',
      HOME: '/home/runner',
      CUDA_VISIBLE_DEVICES: '0',
      CUDA_HOME: '/usr/local/cuda',
      RUNNER_TRACKING_ID: 'github_1',
      GITHUB_WORKSPACE: '/w',
      EMPTY: '',
    });
  });

  it('adds extra variables over base, under the same rules', () => {
    const env = childEnv(base, { CUDA_VISIBLE_DEVICES: '2,3', ACCURACY_GATE_OUTPUT: '/out', GITHUB_TOKEN: 'x', LEAK: 'ghs_tok', PATH: 'ghs_tok' }, ['ghs_tok']);
    expect(env.CUDA_VISIBLE_DEVICES).toBe('2,3');
    expect(env.ACCURACY_GATE_OUTPUT).toBe('/out');
    expect(env).not.toHaveProperty('GITHUB_TOKEN');
    expect(env).not.toHaveProperty('LEAK');
    // A secret value never passes, even where it replaced a harmless base value.
    expect(env).not.toHaveProperty('PATH');
    expect(Object.values(env)).not.toContain('ghs_tok');
  });

  it('an empty secret does not wipe empty variables; lower-case input_ names are caught', () => {
    const env = childEnv({ EMPTY: '', 'input_github-token': 't' }, {}, ['']);
    expect(env).toEqual({ EMPTY: '' });
    expect(isScrubbedName('ACTIONS_ID_TOKEN_REQUEST_FUTURE')).toBe(true);
    expect(isScrubbedName('ACTIONS_STEP_DEBUG')).toBe(false);
  });

  it("drops the runner's file commands and the post step's state: a child cannot write the summary, outputs, env, PATH or state", () => {
    const runner = {
      PATH: '/usr/bin',
      GITHUB_STEP_SUMMARY: '/r/_runner_file_commands/step_summary_1',
      GITHUB_STATE: '/r/_runner_file_commands/save_state_1',
      GITHUB_ENV: '/r/_runner_file_commands/set_env_1',
      GITHUB_OUTPUT: '/r/_runner_file_commands/set_output_1',
      GITHUB_PATH: '/r/_runner_file_commands/add_path_1',
      'STATE_pid-file': '/r/accuracy-gate-1.pids.json',
      GITHUB_REPOSITORY: 'acme/torchacc',
    };
    expect(childEnv(runner, {})).toEqual({ PATH: '/usr/bin', GITHUB_REPOSITORY: 'acme/torchacc' });
    expect(childEnv({}, { GITHUB_ENV: '/x' })).toEqual({});
  });

  it('is pure: the base is not modified', () => {
    const copy = { ...base };
    childEnv(base, { A: 'b' }, ['ghs_tok']);
    expect(base).toEqual(copy);
  });
});
