// The probe runs (issue 25 part 3): each arm's train command once more, for K steps, with the
// Python helper (python/accuracy_gate_probe) switched on through its environment variables and a
// sitecustomize on PYTHONPATH — the baseline, the candidate, and the baseline again as the
// higher-precision reference — then the three files judged (checks/probe.ts). Everything lands in
// `<result dir>/probe/`: the logs, the probe files, and probe.json.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArmRole, GateResult } from '../../model.js';
import type { ProbeReport, ProbeRun } from '../../probe-model.js';
import { errorMessage, ParseError } from '../../errors.js';
import { invalidProbe, judgeProbe } from '../../checks/probe.js';
import { parseProbeFile, probeTooLarge } from '../../readers/probe.js';
import { probeConfig, probeRule } from '../../config/probe.js';
import { writeFileAtomic } from '../../atomic-file.js';
import type { RunContext } from './context.js';
import { record } from './context.js';
import { execStage } from './stage-exec.js';
import { lockGpus } from './lock-gpus.js';
import { createRedactor } from '../process/redact.js';
import { trainStage } from '../plan/stages.js';

export const PROBE_DIR = 'probe';
export const PROBE_JSON = 'probe.json';
export type ProbeRole = 'baseline' | 'candidate' | 'reference';
export const PROBE_ROLES: readonly ProbeRole[] = ['baseline', 'candidate', 'reference'];

/** The python/ dir shipped with the package (dist/cli.js and src/pipeline/ sit at different depths). */
export function probeHelperDir(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(path.join(dir, 'python', 'accuracy_gate_probe', '__init__.py'))) return path.join(dir, 'python');
    dir = path.dirname(dir);
  }
  return undefined;
}

/** The environment a probe run gets on top of its arm's: the helper's switches and PYTHONPATH. */
export function probeEnv(
  file: string,
  role: ProbeRole,
  settings: { steps: number; samples: number; reference: string },
  helperDir: string,
  pythonPath: string | undefined,
): Record<string, string> {
  return {
    ACCURACY_GATE_PROBE: file,
    ACCURACY_GATE_PROBE_STEPS: String(settings.steps),
    ACCURACY_GATE_PROBE_SAMPLES: String(settings.samples),
    ACCURACY_GATE_PROBE_EXIT: '1',
    ...(role === 'reference' ? { ACCURACY_GATE_PROBE_REFERENCE: settings.reference } : {}),
    // First on the path: Python imports the first sitecustomize it finds; ours runs the one it shadows.
    PYTHONPATH: pythonPath ? `${helperDir}${path.delimiter}${pythonPath}` : helperDir,
  };
}

const armOf = (role: ProbeRole): ArmRole => (role === 'candidate' ? 'candidate' : 'baseline');

/** Runs the three probe runs in ctx's result dir and judges them; never throws for a run's failure. */
export async function probeStages(ctx: RunContext): Promise<ProbeReport> {
  const settings = probeConfig(ctx.config);
  const dir = path.join(ctx.dir, PROBE_DIR);
  mkdirSync(dir, { recursive: true });
  const fileOf = (role: ProbeRole) => path.join(dir, `${role}.probe.jsonl`);
  const files = { baseline: fileOf('baseline'), candidate: fileOf('candidate'), reference: fileOf('reference') };
  const rel = (f: string) => path.relative(ctx.dir, f);
  const shown = { baseline: rel(files.baseline), candidate: rel(files.candidate), reference: rel(files.reference) };
  const helper = probeHelperDir();
  if (!helper) return invalidProbe(shown, 'probe not run: the probe helper (python/accuracy_gate_probe) is missing from this installation');
  const runs: Partial<Record<ProbeRole, ProbeRun>> = {};
  for (const role of PROBE_ROLES) {
    const arm = ctx.config.arms[armOf(role)];
    const title = `Probe ${arm.label} (${role === 'reference' ? `baseline in ${settings.reference}, the reference` : role})`;
    if (ctx.deps.cancel.cancelled) return invalidProbe(shown, `probe not finished: cancelled before the ${role} run`);
    // A file left by an earlier run must never stand for this one's.
    rmSync(files[role], { force: true });
    const output = path.join(dir, `${role}_ckpt`);
    const logName = path.join(PROBE_DIR, `${role}_probe.log`);
    const pythonPath = arm.env.PYTHONPATH ?? ctx.deps.env.PYTHONPATH;
    const { record: rec } = await ctx.deps.log.group(title, () =>
      execStage(ctx, {
        id: trainStage(armOf(role)),
        title,
        command: arm.train,
        placeholders: {
          model: ctx.model,
          output,
          checkpoint: output,
          model_id: '',
          arm: armOf(role),
          result_dir: ctx.dir,
          quick_steps: String(settings.steps),
        },
        env: { ...arm.env, ...probeEnv(files[role], role, settings, helper, pythonPath) },
        gpus: arm.gpus,
        timeoutMinutes: settings.timeoutMinutes,
        logName,
      }),
    );
    record(ctx, { ...rec, id: `probe-${role}` });
    const log = `its log: ${logName}`;
    if (rec.status !== 'ok')
      return invalidProbe(shown, `probe not finished: the ${role} run ${rec.reason ?? rec.status}${rec.cause ? ` (${rec.cause})` : ''}; ${log}`);
    if (!existsSync(files[role])) {
      return invalidProbe(
        shown,
        `probe not finished: the ${role} run wrote no probe file ${shown[role]} (does the script build an HF Trainer, or call accuracy_gate_probe.attach(model)? is PYTHONPATH kept?); ${log}`,
      );
    }
    const tooLarge = probeTooLarge(statSync(files[role]).size, shown[role]);
    if (tooLarge) return invalidProbe(shown, `probe not finished: the ${role}'s probe file is unusable: ${tooLarge}`);
    try {
      runs[role] = parseProbeFile(readFileSync(files[role], 'utf8'), shown[role]);
    } catch (e) {
      const where = e instanceof ParseError && e.line ? `${e.file}:${e.line}` : shown[role];
      return invalidProbe(shown, `probe not finished: the ${role}'s probe file is unreadable: ${where}: ${errorMessage(e)}`);
    }
  }
  const report = judgeProbe({ baseline: runs.baseline!, candidate: runs.candidate!, reference: runs.reference! }, probeRule(settings));
  writeProbeJson(dir, report, ctx);
  // Module names come from the candidate's file (PR code): redacted like every line the gate prints.
  ctx.deps.log.info(createRedactor(ctx.secretValues ?? [])(`probe: ${report.headline}`));
  return report;
}

function writeProbeJson(dir: string, report: ProbeReport, ctx: RunContext): void {
  try {
    writeFileAtomic(path.join(dir, PROBE_JSON), `${JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`);
  } catch (e) {
    ctx.deps.log.warn(`probe: ${path.join(dir, PROBE_JSON)} not written: ${errorMessage(e)}`);
  }
}

/**
 * After the compare: the probe, when `diagnose: probe` and the gate FAILed (or always, for
 * `accuracy-gate probe`), under the GPU lock like the training stages. Its report is added to the
 * result by the caller (engine/amend.ts); undefined when the probe did not run.
 */
export async function runDiagnosis(ctx: RunContext, result: GateResult, always: boolean): Promise<ProbeReport | undefined> {
  const wanted = always || (ctx.config.diagnose === 'probe' && result.verdict === 'fail' && !ctx.quick);
  if (!wanted || ctx.deps.cancel.cancelled) return undefined;
  // "On the same GPUs": a compare-only job of a split workflow may have none; it says how to probe.
  if (!always && !ctx.stages.includes('train-candidate')) {
    ctx.deps.log.info('diagnose: probe skipped: this run trained no candidate (split stages); run `accuracy-gate probe` on the GPU runner');
    return undefined;
  }
  if (!always) ctx.deps.log.info('diagnose: probe — running the per-module probe after the FAIL');
  const gpus = await lockGpus({ ...ctx, stages: ['train-baseline'] });
  try {
    return gpus.ok ? await probeStages(ctx) : undefined;
  } finally {
    gpus.release();
  }
}
