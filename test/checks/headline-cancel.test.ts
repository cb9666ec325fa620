// A cancelled run's headline says it was cancelled first, and which stage it stopped, instead of
// leading with the stopped stage's log file and its containment note.
import { describe, expect, it } from 'vitest';
import { makeHeadline } from '../../src/checks/headline.js';
import type { Problem } from '../../src/model.js';

const labels = { baseline: 'Torch', candidate: 'TorchAcc' };

describe('the headline of a cancelled run', () => {
  it('leads with the cancel and the stage it stopped (as recorded in examples/recorded/torchacc-shaped/gate/cancel)', () => {
    const problems: Problem[] = [
      {
        source: 'acc_training.log',
        message: 'Train TorchAcc (candidate) cancelled (received SIGINT); 2 process(es) left running after the command ended were stopped',
      },
      { source: 'runner', message: 'cancelled: received SIGINT' },
      { source: 'acc_training.log', message: 'candidate training did not finish: its log ends at step 5 of 200' },
    ];
    expect(makeHeadline('invalid', [], problems, labels)).toBe(
      'INVALID: run cancelled during Train TorchAcc (candidate): received SIGINT; 2 more problem(s) (Torch vs TorchAcc)',
    );
  });

  it('a cancel before any stage ran names no stage', () => {
    const problems: Problem[] = [{ source: 'runner', message: 'cancelled: the runner sent SIGTERM' }];
    expect(makeHeadline('invalid', [], problems, labels)).toBe('INVALID: run cancelled: the runner sent SIGTERM (Torch vs TorchAcc)');
  });

  it('without a cancel the first problem still leads', () => {
    const problems: Problem[] = [{ source: 'torch_training.log', message: 'Train Torch (baseline) failed (exit 1)' }];
    expect(makeHeadline('invalid', [], problems, labels)).toBe('INVALID: torch_training.log: Train Torch (baseline) failed (exit 1) (Torch vs TorchAcc)');
  });
});
