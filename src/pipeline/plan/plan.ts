// The stages a run will start, in order, with what each gets: the plan `validate` and
// `run --dry-run` print, the list preflight checks, and the env scoping of stage-exec (which
// variables an evaluation may see). Pure: config in, data out.
import * as path from 'node:path';
import type { Command, GateConfig } from '../../config/types.js';
import type { ArmRole, Role } from '../../model.js';
import { expandCommand, PLACEHOLDER_ENV, shellQuote } from '../../config/placeholders.js';
import { errorMessage } from '../../errors.js';
import { evalStage, stageTitle, trainStage, type StageId } from './stages.js';
import { describeLaunch, launchValues } from './launch-env.js';

export interface PlannedStage {
  /** The record id: train-baseline, eval-original, eval-lm-eval-candidate, ... */
  id: string;
  /** The config key the command comes from (for messages): arms.baseline, evaluations.mtbench. */
  key: string;
  title: string;
  role: Role;
  command: Command;
  /** Extra variables set by the config (names; values may be secrets). */
  env: string[];
  /** Variables this stage needs from the gate's environment, passed to it only. */
  requiresEnv: string[];
  gpus?: string;
  timeoutMinutes: number;
}

export function plannedStages(config: GateConfig, stages: readonly StageId[]): PlannedStage[] {
  const want = (s: StageId) => stages.includes(s);
  const out: PlannedStage[] = [];
  for (const role of ['baseline', 'candidate'] as ArmRole[]) {
    const arm = config.arms[role];
    if (!want(trainStage(role))) continue;
    const id = trainStage(role);
    out.push({
      id,
      key: `arms.${role}`,
      title: stageTitle(id, config.arms),
      role,
      command: arm.train,
      env: Object.keys(arm.env),
      requiresEnv: [],
      gpus: arm.gpus,
      timeoutMinutes: arm.timeoutMinutes,
    });
  }
  const mt = config.evaluations.mtbench;
  if (mt?.enabled) {
    for (const role of mt.targets) {
      const id = evalStage(role);
      if (!want(id)) continue;
      // Under `parallel` each evaluation stays on its arm's GPU set (eval-stage.ts); otherwise it sees them all.
      const gpus = config.parallel ? (role === 'original' ? mt.gpus : config.arms[role].gpus) : undefined;
      out.push({
        id,
        key: 'evaluations.mtbench',
        title: stageTitle(id, config.arms),
        role,
        command: mt.run,
        env: Object.keys(mt.env),
        requiresEnv: mt.requiresEnv,
        ...(gpus ? { gpus } : {}),
        timeoutMinutes: mt.timeoutMinutes,
      });
    }
  }
  const { lmEval, custom } = config.evaluations;
  for (const role of ['baseline', 'candidate'] as ArmRole[]) {
    if (!want(evalStage(role))) continue;
    const arm = config.arms[role];
    for (const [name, ev] of [
      ['lm-eval', lmEval],
      ['custom', custom],
    ] as const) {
      if (!ev?.enabled || ev.run === undefined) continue;
      out.push({
        id: `eval-${name}-${role}`,
        key: `evaluations.${name}`,
        title: `${name === 'lm-eval' ? 'lm-eval' : 'Custom evaluation'} of ${arm.label} (${role})`,
        role,
        command: ev.run,
        env: Object.keys(ev.env),
        requiresEnv: ev.requiresEnv,
        gpus: arm.gpus,
        timeoutMinutes: ev.timeoutMinutes,
      });
    }
  }
  return out;
}

/** Every variable some evaluation declares: withheld from every stage that does not declare it. */
export function scopedEnvNames(config: GateConfig): string[] {
  const e = config.evaluations;
  return [...new Set([...(e.mtbench?.requiresEnv ?? []), ...(e.lmEval?.requiresEnv ?? []), ...(e.custom?.requiresEnv ?? [])])];
}

export interface PlanInput {
  config: GateConfig;
  stages: StageId[];
  workdir: string;
  model: string;
  /** The result root (`<root>/<timestamp>` is created under it). */
  root: string;
  /** Stage ids the cache would restore (a hit); the others miss. Undefined: the cache is off. */
  cacheHits?: string[];
  /** Why a stage misses when an entry from other hardware is there (cache-miss.ts), by stage id. */
  cacheMisses?: Partial<Record<string, string>>;
  /** The gate's environment: says which launcher variables it sets (launch-env.ts); absent = none. */
  env?: NodeJS.ProcessEnv;
  /** How each stage's processes are contained on this machine (containment.ts), one line. */
  containment?: string;
}

/** The plan as text: one block per stage, placeholders filled, env names only (never values). */
export function renderPlan(p: PlanInput): string {
  const runDir = path.join(p.root, '<YYYYmmdd_HHMMSS>');
  const lines = [`plan for ${p.config.name}: workdir ${p.workdir}, result dir ${runDir}, model ${p.model}`];
  if (p.containment) lines.push(`containment: ${p.containment}`);
  let n = 0;
  for (const s of plannedStages(p.config, p.stages)) {
    n++;
    const arm = s.role === 'original' ? undefined : p.config.arms[s.role];
    const output = arm ? path.resolve(runDir, arm.output) : p.model;
    const values = {
      model: p.model,
      output,
      checkpoint: output,
      model_id: p.config.evaluations.mtbench?.modelId === 'auto' ? '' : '<model id>',
      arm: s.role,
      result_dir: runDir,
    };
    let command: string;
    try {
      const x = expandCommand(s.command, values).command;
      command = typeof x === 'string' ? x : x.map(shellQuote).join(' ');
    } catch (e) {
      command = `(cannot expand: ${errorMessage(e)})`;
    }
    const launch = s.gpus ? launchValues(s.gpus, stageConfigEnv(p.config, s), s.key, p.env ?? {}) : [];
    const env = [
      ...new Set([
        ...s.env,
        ...s.requiresEnv,
        ...Object.values(PLACEHOLDER_ENV),
        'PYTHONUNBUFFERED',
        ...(s.gpus ? ['CUDA_VISIBLE_DEVICES'] : []),
        ...launch.map((v) => v.name),
      ]),
    ];
    const cache =
      p.cacheHits === undefined
        ? 'off'
        : p.cacheHits.includes(s.id)
          ? 'hit (restored, not run)'
          : p.cacheMisses?.[s.id]
            ? `miss (${p.cacheMisses[s.id]})`
            : 'miss';
    lines.push(
      `${n}. ${s.id}: ${s.title}`,
      `   command: ${command}`,
      `   workdir: ${p.workdir}`,
      `   gpus: ${s.gpus ?? 'inherited'}; timeout: ${s.timeoutMinutes} min; cache: ${cache}`,
      `   env: ${env.join(', ')}`,
      ...(launch.length ? [`   launch: ${describeLaunch(launch)}`] : []),
      // The image's name may be a secret: the variable is shown, never its value.
      ...(p.config.container
        ? [
            `   container: docker run ${p.config.container.image}${s.gpus ? ` --gpus "device=${s.gpus}"` : ' --gpus all'}${p.config.container.setup ? ', setup first' : ''} (a container of its own, env by name)`,
          ]
        : []),
    );
  }
  if (p.stages.includes('compare')) lines.push(`${n + 1}. compare: read the outputs, run the checks, write the reports`);
  if (n === 0 && !p.stages.includes('compare')) lines.push('(no stage selected)');
  return `${lines.join('\n')}\n`;
}

/** The config's `env` of a planned stage (values: only the launcher's are ever shown). */
export function stageConfigEnv(config: GateConfig, s: PlannedStage): Record<string, string> {
  if (s.key.startsWith('arms.')) return config.arms[s.key.slice(5) as ArmRole].env;
  const e = config.evaluations;
  const ev = s.key === 'evaluations.mtbench' ? e.mtbench : s.key === 'evaluations.lm-eval' ? e.lmEval : e.custom;
  return ev?.env ?? {};
}
