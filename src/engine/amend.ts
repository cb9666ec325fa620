// What is added to a result after decide() and is not a check, in one place. Each addition is
// one kind of Amendment, applied in the order the run makes them (run-gate.ts):
//  - notes: facts about the run every report must say (evaluations skipped once the verdict was
//    fixed); warnings only, never the verdict or the headline;
//  - probe: the per-module probe's report. After a FAIL it adds the first module that computes
//    differently to the headline, never changing the verdict (the probe diagnoses, the checks gate);
//    for `accuracy-gate probe` (no check ran) its verdict and headline are the result's;
//  - acknowledgment: a maintainer's label on the PR (engine/acknowledge.ts): a FAIL stays FAIL and
//    says who acknowledged it; on anything else the label is a warning;
//  - unrecorded: the result files could not be written (engine/result-dir.ts recordResult): INVALID
//    (exit 4), keeping what the comparison gave in the reason. A verdict nobody can look up later
//    is not a gate result, and a job must not pass without its record.
// Pure: returns a new result (and the line to log, when there is one).
import type { Acknowledgment, GateResult } from '../model.js';
import type { ProbeReport } from '../probe-model.js';
import { applyAcknowledgment } from './acknowledge.js';

export type Amendment =
  | { kind: 'notes'; lines: readonly string[] }
  | { kind: 'probe'; report: ProbeReport; alone: boolean }
  | { kind: 'acknowledgment'; ack: Acknowledgment | undefined }
  | { kind: 'unrecorded'; why: string };

export function amend(result: GateResult, a: Amendment): { result: GateResult; note?: string } {
  switch (a.kind) {
    case 'notes':
      return { result: a.lines.length ? { ...result, warnings: [...(result.warnings ?? []), ...a.lines] } : result };
    case 'probe': {
      const p = a.report;
      if (a.alone) return { result: { ...result, probe: p, verdict: p.verdict, headline: `${p.verdict.toUpperCase()}: probe: ${p.headline}` } };
      const headline = p.first ? `${result.headline}; first differing module (probe): ${p.first.name}` : result.headline;
      return { result: { ...result, probe: p, headline } };
    }
    case 'acknowledgment':
      return applyAcknowledgment(result, a.ack);
    case 'unrecorded': {
      const problem = { source: 'result-dir', message: `${a.why} (the comparison itself gave ${result.verdict.toUpperCase()})` };
      return { result: { ...result, verdict: 'invalid', headline: `INVALID: ${problem.message}`, problems: [...result.problems, problem] } };
    }
  }
}
