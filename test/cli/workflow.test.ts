// One source (src/cli/workflow.ts) for the gate's workflow: what `init` writes for TorchAcc's
// layout, the README's block and the repository's own .github/workflows/accuracy-gate.yml are the
// same text. UPDATE_WORKFLOW=1 rewrites the README block and the file from the source.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { workflowText as initWorkflow } from '../../src/cli/init.js';
import { DEFAULT_WORKFLOW, FULL_LABEL, MODEL_DIR_VAR, workflowText } from '../../src/cli/workflow.js';
import { ROOT, tempDir } from '../helpers/cli.js';

const README = path.join(ROOT, 'README.md');
const OWN = path.join(ROOT, '.github', 'workflows', 'accuracy-gate.yml');
const BLOCK = /(<!-- workflow: src\/cli\/workflow\.ts -->\n```yaml\n)([\s\S]*?)(```\n)/;

describe('the gate workflow: one text for init, the README and this repository', () => {
  const text = workflowText(DEFAULT_WORKFLOW);
  if (process.env.UPDATE_WORKFLOW) {
    writeFileSync(OWN, text);
    writeFileSync(
      README,
      readFileSync(README, 'utf8').replace(BLOCK, (_m, a: string, _b, c: string) => a + text + c),
    );
  }

  it('init (TorchAcc layout, no GPU workflow of its own), the README block and .github/workflows/accuracy-gate.yml are identical', () => {
    expect(initWorkflow('torchacc', tempDir('wf-one-'))).toBe(text);
    expect(readFileSync(README, 'utf8').match(BLOCK)?.[2]).toBe(text);
    expect(readFileSync(OWN, 'utf8')).toBe(text);
  });

  it("installs the PR's code before the gate, quick tier on PR pushes, full gate on the label, merge queue, nightly, push to main, fail-on, the model dir outside the checkout", () => {
    const wf = parseYaml(text) as {
      on: Record<string, { types?: string[]; branches?: string[]; inputs?: Record<string, unknown> } | null | { cron: string }[]>;
      jobs: {
        gate: { if: string; 'runs-on': string[]; steps: { uses?: string; run?: string; with?: Record<string, string>; env?: Record<string, string> }[] };
      };
    };
    expect(Object.keys(wf.on)).toEqual(['pull_request', 'merge_group', 'schedule', 'push', 'workflow_dispatch']);
    expect((wf.on.pull_request as { types: string[] }).types).toContain('labeled');
    expect((wf.on.push as { branches: string[] }).branches).toEqual(['main']);
    const steps = wf.jobs.gate.steps;
    const gate = steps.findIndex((s) => s.uses === 'accuracy-gate/accuracy-gate@v1');
    const install = steps.findIndex((s) => s.run === 'pip install -e .');
    expect(steps[0].uses).toBe('actions/checkout@v5');
    expect(install).toBeGreaterThan(0);
    expect(install).toBeLessThan(gate);
    const w = steps[gate].with!;
    expect(w.quick).toContain(`!contains(github.event.pull_request.labels.*.name, '${FULL_LABEL}')`);
    expect(w['fail-on']).toBe("${{ inputs.fail-on || 'fail' }}");
    expect(w['model-dir']).toBe(`\${{ inputs.model-dir || vars.${MODEL_DIR_VAR} }}`);
    expect(wf.jobs.gate.if).toContain(`github.event.label.name == '${FULL_LABEL}'`);
    expect(steps[gate].env!.MIT_SPIDER_TOKEN).toBe('${{ secrets.MIT_SPIDER_TOKEN }}');
  });
});
