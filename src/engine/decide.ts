// Inputs + policy → GateResult. Pure.
import type { GateResult, StageRecord } from '../model.js';
import type { Policy } from '../checks/policy.js';
import { runChecks, type CheckInputs } from '../checks/index.js';

export function decide(inputs: CheckInputs, policy: Policy, stages: StageRecord[] = []): GateResult {
  const { verdict, headline, checks, warnings: checkWarnings } = runChecks(inputs, policy);
  const warnings = [...(inputs.warnings ?? []), ...checkWarnings];
  return {
    verdict,
    headline,
    checks,
    labels: inputs.labels,
    training: inputs.training,
    mtbench: inputs.mtbench,
    problems: inputs.problems,
    stages,
    earlyAbort: inputs.earlyAbort,
    ...(warnings.length ? { warnings } : {}),
    // The evaluations besides MT-Bench, for summary.json and the reports (absent when not read).
    ...(inputs.evalDocs ? { evalDocs: inputs.evalDocs } : {}),
    ...(inputs.lmEval ? { lmEval: inputs.lmEval, lmEvalSelection: inputs.lmEvalSelection } : {}),
    ...(inputs.custom ? { custom: inputs.custom } : {}),
  };
}
