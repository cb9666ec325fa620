// action.yml is the action's public contract, read by GitHub and not by our code: a renamed input
// or a changed default there would pass every other test. This file ties it to the code
// (Inputs/Outputs, getInputs), to the README's tables, and to the contract itself (CONTRACT below).
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { Inputs, Outputs } from '../../src/constants.js';
import { getInputs } from '../../src/action/inputs.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const action = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { description?: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description?: string }>;
  runs: { using: string; main: string; post?: string };
};
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The defaults users rely on (README "Inputs"). Changing one is a breaking change: change it here too, on purpose. */
const CONTRACT: Record<string, string> = {
  config: '',
  'model-dir': '',
  'working-directory': '.',
  'github-token': '${{ github.token }}',
  comment: 'always',
  'artifact-name': '',
  'artifact-retention-days': '',
  'fail-on': 'fail',
  stages: 'all',
  'allow-fork-prs': 'false',
  quick: 'false',
  'quick-steps': '',
  'acknowledge-label': 'accuracy-gate:accept',
};

/** The runner's encoding of an input (what @actions/core reads). */
const envName = (input: string) => `INPUT_${input.replace(/ /g, '_').toUpperCase()}`;
const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (k.startsWith('INPUT_')) delete process.env[k];
  Object.assign(process.env, saved);
});

describe('action.yml', () => {
  it('declares exactly the inputs and outputs the code reads and writes', () => {
    expect(Object.keys(action.inputs).sort()).toEqual(Object.values(Inputs).sort());
    expect(Object.keys(action.outputs).sort()).toEqual(Object.values(Outputs).sort());
  });

  it('every input has the contract default, is optional and described', () => {
    for (const [name, spec] of Object.entries(action.inputs)) {
      expect(CONTRACT, `input ${name} is new: add its default to CONTRACT and the README`).toHaveProperty([name]);
      expect(String(spec.default ?? ''), `default of input ${name}`).toBe(CONTRACT[name]);
      expect(spec.required ?? false, `input ${name} must stay optional`).toBe(false);
      expect(spec.description?.trim(), `description of input ${name}`).toBeTruthy();
    }
    expect(Object.keys(CONTRACT).sort()).toEqual(Object.keys(action.inputs).sort());
  });

  it("the README's Inputs table and Outputs section name every input and output", () => {
    for (const name of Object.keys(action.inputs)) expect(readme, `README row for input ${name}`).toMatch(new RegExp(`^\\| \`${name}\` \\|`, 'm'));
    const outputs = readme.slice(readme.indexOf('### Outputs'), readme.indexOf('\n## ', readme.indexOf('### Outputs')));
    for (const name of Object.keys(action.outputs)) expect(outputs, `README output ${name}`).toContain(`\`${name}\``);
  });

  it('the defaults GitHub passes mean what an unset input means to the code', () => {
    // GitHub sets INPUT_* from action.yml's defaults; tests and local runs often leave them unset.
    // Both must give the same settings, or a default changed on one side only goes unnoticed.
    process.env[envName('github-token')] = 'ghs_token';
    const unset = getInputs();
    for (const [name, spec] of Object.entries(action.inputs)) {
      if (name !== 'github-token') process.env[envName(name)] = String(spec.default ?? '');
    }
    const fromDefaults = getInputs();
    expect(fromDefaults).toEqual(unset);
    expect(fromDefaults).toMatchObject({
      workingDirectory: '.',
      comment: 'always',
      failOn: ['invalid', 'fail'],
      allowForkPrs: false,
      stages: ['train-baseline', 'train-candidate', 'eval-original', 'eval-baseline', 'eval-candidate', 'compare'],
    });
    expect(fromDefaults.config).toBeUndefined();
    expect(fromDefaults.modelDir).toBeUndefined();
    expect(fromDefaults.artifactRetentionDays).toBeUndefined();
  });

  it('runs the committed bundles on node24, with the post step that removes leftover processes', () => {
    expect(action.runs.using).toBe('node24');
    expect(action.runs.main).toBe('dist/index.js');
    expect(action.runs.post).toBe('dist/post.js');
    const build = readFileSync(path.join(ROOT, 'scripts', 'build.mjs'), 'utf8');
    for (const entry of ['src/index.ts', 'src/post.ts']) {
      expect(build).toContain(`'${entry}'`);
      expect(existsSync(path.join(ROOT, entry))).toBe(true);
    }
  });
});
