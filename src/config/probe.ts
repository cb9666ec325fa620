// The probe's settings (config `probe:`), with their defaults: also used when the file has none.
import { DEFAULT_PROBE_RULE, type ProbeRule } from '../checks/probe.js';
import type { GateConfig, ProbeConfig } from './types.js';

export const PROBE_DEFAULTS: ProbeConfig = { steps: 1, reference: 'fp64', samples: 64, floorEps: DEFAULT_PROBE_RULE.floorEps, top: DEFAULT_PROBE_RULE.top, timeoutMinutes: 30 };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function probeSettings(raw: Record<string, any>): ProbeConfig {
  return {
    steps: raw.steps ?? PROBE_DEFAULTS.steps,
    reference: raw.reference ?? PROBE_DEFAULTS.reference,
    samples: raw.samples ?? PROBE_DEFAULTS.samples,
    ...(raw.multiplier !== undefined ? { multiplier: raw.multiplier as number } : {}),
    floorEps: raw['floor-eps'] ?? PROBE_DEFAULTS.floorEps,
    top: raw.top ?? PROBE_DEFAULTS.top,
    timeoutMinutes: raw['timeout-minutes'] ?? PROBE_DEFAULTS.timeoutMinutes,
  };
}

export function probeConfig(config: GateConfig): ProbeConfig {
  return config.probe ?? PROBE_DEFAULTS;
}

export function probeRule(p: ProbeConfig): ProbeRule {
  return { floorEps: p.floorEps, top: p.top, ...(p.multiplier !== undefined ? { multiplier: p.multiplier } : {}) };
}
