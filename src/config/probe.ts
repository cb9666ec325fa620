// The probe's settings (config `probe:`), with their defaults: also used when the file has none.
import { DEFAULT_PROBE_RULE, type ProbeRule } from '../checks/probe.js';
import type { GateConfig, ProbeConfig } from './types.js';

export const PROBE_DEFAULTS: ProbeConfig = { steps: 1, reference: 'fp64', samples: 64, top: DEFAULT_PROBE_RULE.top, timeoutMinutes: 30 };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function probeSettings(raw: Record<string, any>): ProbeConfig {
  return {
    steps: raw.steps ?? PROBE_DEFAULTS.steps,
    reference: raw.reference ?? PROBE_DEFAULTS.reference,
    samples: raw.samples ?? PROBE_DEFAULTS.samples,
    ...(raw.multiplier !== undefined ? { multiplier: raw.multiplier as number } : {}),
    ...(raw['floor-eps'] !== undefined ? { floorEps: raw['floor-eps'] as number } : {}),
    top: raw.top ?? PROBE_DEFAULTS.top,
    timeoutMinutes: raw['timeout-minutes'] ?? PROBE_DEFAULTS.timeoutMinutes,
  };
}

export function probeConfig(config: GateConfig): ProbeConfig {
  return config.probe ?? PROBE_DEFAULTS;
}

export function probeRule(p: ProbeConfig): ProbeRule {
  return { top: p.top, ...(p.floorEps !== undefined ? { floorEps: p.floorEps } : {}), ...(p.multiplier !== undefined ? { multiplier: p.multiplier } : {}) };
}
