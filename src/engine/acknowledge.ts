// Applies a maintainer's acknowledgment (github/acknowledgment.ts) to a result. Only a FAIL is
// acknowledged: the verdict stays FAIL (every report says FAIL, and that it was acknowledged, by
// whom and when), the step passes. INVALID is never acknowledged: a run that could not decide
// has nothing to accept. INCONCLUSIVE is not either: the label accepts a known regression, not
// an unknown outcome.
import type { Acknowledgment, GateResult } from '../model.js';

export function acknowledgmentLine(a: Acknowledgment): string {
  return `FAIL acknowledged by @${a.by} (${a.permission}): label ${a.label} applied to PR #${a.pr} at ${a.at}; the step passes. The label is re-checked on every run: each push is gated again, and removing the label makes the next FAIL fail the step`;
}

export function applyAcknowledgment(result: GateResult, ack: Acknowledgment | undefined): { result: GateResult; note?: string } {
  if (!ack) return { result };
  if (result.verdict === 'pass') return { result };
  if (result.verdict !== 'fail') {
    const note = `label ${ack.label} (applied by @${ack.by}) does not acknowledge this result: only a FAIL is acknowledged, never ${result.verdict.toUpperCase()}`;
    return { result: { ...result, warnings: [...(result.warnings ?? []), note] }, note };
  }
  return {
    result: {
      ...result,
      headline: `${result.headline} (acknowledged by @${ack.by}: label ${ack.label})`,
      warnings: [...(result.warnings ?? []), acknowledgmentLine(ack)],
      acknowledged: ack,
    },
  };
}
