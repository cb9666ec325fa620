// What an arm's own training command states about its logging grid (step-hints.ts), worked out
// once per run: the baseline's read for early abort, the candidate's live placement and the
// compare stage's final read all place steps on the same hints.
import type { ArmConfig } from '../../config/types.js';
import { hintsFromCommand, type StepHints } from '../../readers/step-placement.js';

// Keyed by the arm's config object: a run's config is one object for the whole run.
const known = new WeakMap<ArmConfig, StepHints>();

export function commandHints(arm: ArmConfig): StepHints {
  let hints = known.get(arm);
  if (!hints) known.set(arm, (hints = hintsFromCommand(arm.train)));
  return hints;
}
