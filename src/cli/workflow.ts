// The gate's workflow, from one source: `init` writes it, the README shows it and the repository's
// own .github/workflows/accuracy-gate.yml is it (test/cli/workflow.test.ts keeps the three equal).
// What it must do (issue 23): install the pull request's own code before the gate runs (else the
// candidate is whatever the runner had installed and every PR passes on old code), the quick tier
// on PR pushes, the full gate on the `full-accuracy-gate` label, in the merge queue and nightly, a
// push to the default branch that refreshes the baseline, `fail-on`, and a model dir outside the
// checkout (actions/checkout cleans the workspace: `git clean -ffdx` deletes an untracked model).
// Pure: text in, text out.

export const ACTION_REF = 'accuracy-gate/accuracy-gate@v1';
export const FULL_LABEL = 'full-accuracy-gate';
/** The repository variable that holds the original model's dir on the runner. */
export const MODEL_DIR_VAR = 'ACCURACY_GATE_MODEL_DIR';

export interface WorkflowOptions {
  /** The gate's config file, relative to the repository. */
  config: string;
  /** `runs-on` of the gate's job: a label or a list of labels. */
  runsOn: string | string[];
  /**
   * Commands that install the checked-out code on the runner, one step each. Empty when each
   * stage's container installs it (config `container.setup`).
   */
  install: string[];
  /** Variables the evaluations need (the judge's credentials), passed from secrets of the same name. */
  secrets: string[];
  /**
   * Variables the config's `container` reads from the gate's environment (the image name), each
   * passed from the secret or repository variable of the same name, as TorchAcc's workflows pass UT_IMAGE.
   */
  containerEnv: { name: string; from: 'secrets' | 'vars' }[];
  /** Where the repository's existing GPU workflows were read from, for the header comment. */
  learnedFrom?: string[];
  /** The default branch, whose pushes refresh the baseline. */
  defaultBranch: string;
}

export const DEFAULT_WORKFLOW: WorkflowOptions = {
  config: '.github/accuracy-gate.yml',
  runsOn: ['self-hosted', 'gpu'],
  install: ['pip install -e .'],
  secrets: ['MIT_SPIDER_TOKEN', 'MIT_SPIDER_URL', 'M6_TENANT'],
  containerEnv: [],
  defaultBranch: 'main',
};

/** A YAML plain scalar where it is one, else single-quoted. */
function scalar(s: string): string {
  return /^[A-Za-z0-9_./-][A-Za-z0-9_./ -]*$/.test(s) && !/^(true|false|null|yes|no|on|off|~)$/i.test(s) && !s.endsWith(' ') ? s : `'${s.replace(/'/g, "''")}'`;
}

function runsOnText(r: string | string[]): string {
  return Array.isArray(r) ? `[${r.map(scalar).join(', ')}]` : scalar(r);
}

export function workflowText(o: WorkflowOptions): string {
  const header = [
    '# accuracy-gate on a self-hosted GPU runner. Written by `accuracy-gate init` (the README shows this',
    '# same file). Two tiers:',
    "# - quick (the candidate's first steps against the cached baseline): every push to a PR;",
    `# - full (whole trainings, MT-Bench): a PR labelled \`${FULL_LABEL}\`, the merge queue, nightly,`,
    `#   pushes to ${o.defaultBranch} (they refresh the baseline cache) and manual dispatch.`,
    `# The original model lives outside the checkout (actions/checkout cleans the workspace): set the`,
    `# repository variable ${MODEL_DIR_VAR} to its dir on the runner, or give model-dir when dispatching.`,
    ...(o.learnedFrom?.length ? [`# Runs as this repository's GPU jobs run (${o.learnedFrom.join(', ')}).`] : []),
  ];
  const install = o.install
    .map((cmd, i) => `      - name: Install the pull request's code${o.install.length > 1 ? ` (${i + 1})` : ''}\n        run: ${scalar(cmd)}\n`)
    .join('');
  const env =
    o.containerEnv.length + o.secrets.length
      ? `        env:\n${o.containerEnv.length ? "          # The container image named as the repository's other GPU jobs name it.\n" : ''}${o.containerEnv.map((v) => `          ${v.name}: \${{ ${v.from}.${v.name} }}\n`).join('')}` +
        `${o.secrets.length ? "          # Judge credentials reach the evaluation commands only, never the training (the PR's code).\n" : ''}${o.secrets.map((n) => `          ${n}: \${{ secrets.${n} }}\n`).join('')}`
      : '';
  return `${header.join('\n')}
name: accuracy-gate
on:
  pull_request:
    types: [opened, synchronize, reopened, labeled]
  merge_group:
  schedule:
    - cron: '0 18 * * *' # nightly (02:00 Beijing, as TorchAcc's Daily Accuracy Benchmark)
  push:
    branches: [${scalar(o.defaultBranch)}] # refreshes the baseline cache (cache writes happen only on the default branch)
  workflow_dispatch:
    inputs:
      model-dir:
        description: Original model dir on the runner (default the repository variable ${MODEL_DIR_VAR})
        required: false
        default: ''
      stages:
        description: Stages to run (comma list or all)
        required: false
        default: all
      fail-on:
        description: fail, or fail,inconclusive
        required: false
        default: fail
      quick:
        description: Quick tier (first steps only) instead of the full gate
        type: boolean
        required: false
        default: false
# A newer push to the same PR cancels the running gate (the action stops every training process).
concurrency:
  group: accuracy-gate-\${{ github.event.pull_request.number || github.ref }}
  cancel-in-progress: \${{ github.event_name == 'pull_request' }}
permissions:
  contents: read
  pull-requests: write # the sticky PR comment
jobs:
  gate:
    # Adding any other label must not start a gate; adding the full-gate label starts the full one.
    if: github.event.action != 'labeled' || github.event.label.name == '${FULL_LABEL}'
    runs-on: ${runsOnText(o.runsOn)}
    timeout-minutes: 720
    steps:
      - uses: actions/checkout@v5
${install}      - id: gate
        uses: ${ACTION_REF}
        with:
          config: ${scalar(o.config)}
          model-dir: \${{ inputs.model-dir || vars.${MODEL_DIR_VAR} }}
          stages: \${{ inputs.stages || 'all' }}
          fail-on: \${{ inputs.fail-on || 'fail' }}
          # PR pushes get the quick tier unless the PR carries the full-gate label.
          quick: \${{ (github.event_name == 'pull_request' && !contains(github.event.pull_request.labels.*.name, '${FULL_LABEL}')) || inputs.quick == true }}
${env}      - name: Verdict
        if: always()
        run: echo "verdict=\${{ steps.gate.outputs.verdict }} summary=\${{ steps.gate.outputs.summary-json }}"
`;
}
