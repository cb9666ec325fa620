// One loss entry of trainer_state.json's log_history as a LossPoint: the fast path for well-typed
// entries (100k-step histories) and the checked path that names the key of a bad one.
import type { LossPoint } from '../model.js';
import { optionalNumber, requiredInteger, requiredNumber, type JsonObject, type Where } from './fields.js';

const optionalNum = (v: unknown) => v === undefined || typeof v === 'number';

/** A loss entry whose fields all have the right types, or undefined (then lossPoint says what is wrong). */
export function fastLossPoint(entry: JsonObject): LossPoint | undefined {
  const { step, loss, grad_norm: gradNorm, learning_rate: learningRate, epoch } = entry;
  if (typeof loss !== 'number' || typeof step !== 'number' || !Number.isInteger(step)) return undefined;
  if (!optionalNum(gradNorm) || !optionalNum(learningRate) || !optionalNum(epoch)) return undefined;
  // learning_rate and epoch are type-checked (a wrong type means an odd file), not kept here. One
  // literal per shape: a property added later would cost each of 100k points a property array.
  return gradNorm !== undefined ? { step, loss, gradNorm: gradNorm as number } : { step, loss };
}

export function lossPoint(entry: JsonObject, where: Where, path: string): LossPoint {
  const point: LossPoint = {
    step: requiredInteger(entry, 'step', where, path + 'step'),
    loss: requiredNumber(entry, 'loss', where, path + 'loss'),
  };
  const gradNorm = optionalNumber(entry, 'grad_norm', where, path + 'grad_norm');
  if (gradNorm !== undefined) point.gradNorm = gradNorm;
  optionalNumber(entry, 'learning_rate', where, path + 'learning_rate');
  optionalNumber(entry, 'epoch', where, path + 'epoch');
  return point;
}

export function isSorted(curve: readonly LossPoint[]): boolean {
  for (let i = 1; i < curve.length; i++) if (curve[i].step < curve[i - 1].step) return false;
  return true;
}
