// `validate`'s warnings about the launcher's variables (launch-env.ts): a command or a variable
// that asks for more ranks than the stage's GPU set holds (torchrun would start ranks on GPUs the
// stage cannot see), and one fixed MASTER_PORT shared by stages that run at once under
// `parallel: true` (the second one's rendezvous cannot bind it). Pure but for reading the script.
import type { GateConfig } from '../../config/types.js';
import { gpuCount, launchValues, requestedRanks } from './launch-env.js';
import { stageConfigEnv, type PlannedStage } from './plan.js';

export function launchWarnings(config: GateConfig, planned: PlannedStage[], workdir: string, env: NodeJS.ProcessEnv): string[] {
  const warnings: string[] = [];
  const ports: { stage: PlannedStage; port: string; source: string }[] = [];
  for (const s of planned) {
    if (!s.gpus) continue;
    const have = gpuCount(s.gpus);
    const gpus = `the stage has ${have} GPU(s) (${s.key.startsWith('arms.') ? `${s.key}.gpus` : 'gpus'}: ${s.gpus})`;
    for (const v of launchValues(s.gpus, stageConfigEnv(config, s), s.key, env)) {
      if (v.name === 'NPROC_PER_NODE' && v.value !== undefined && Number(v.value) > have) {
        warnings.push(`${s.title}: NPROC_PER_NODE=${v.value} from ${v.source} asks for ${v.value} ranks, but ${gpus}`);
      }
      if (v.name === 'MASTER_PORT' && v.value !== undefined) ports.push({ stage: s, port: v.value, source: v.source });
    }
    const asked = requestedRanks(s.command, workdir);
    if (asked && asked.ranks > have) {
      warnings.push(
        `${s.title} (${s.key}): --nproc_per_node ${asked.ranks} in ${asked.where} asks for ${asked.ranks} ranks, but ${gpus}; use \${NPROC_PER_NODE} (the gate sets it per stage)`,
      );
    }
  }
  if (config.parallel) {
    // Stages on disjoint GPU sets may run at once (schedule.ts).
    const said = new Set<string>();
    for (const [i, a] of ports.entries()) {
      for (const b of ports.slice(i + 1)) {
        if (a.port !== b.port || !disjoint(a.stage.gpus as string, b.stage.gpus as string)) continue;
        const line = `MASTER_PORT=${a.port} (${a.source}) is the same for ${a.stage.title} and ${b.stage.title}, which run at once under parallel: true: the second cannot bind it; leave MASTER_PORT unset and the gate picks a free port per stage`;
        if (!said.has(line)) warnings.push(line);
        said.add(line);
      }
    }
  }
  return warnings;
}

function disjoint(a: string, b: string): boolean {
  const set = new Set(a.split(','));
  return !b.split(',').some((g) => set.has(g));
}
