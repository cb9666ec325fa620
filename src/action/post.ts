// The post step (runs at job end, also after failure and cancellation): kill any process group
// the main step recorded that is still alive. Never fails the job.
import { State } from '../constants.js';
import { errorMessage } from '../errors.js';
import { killRecordedGroups } from '../pipeline/process-registry.js';
import { coreIo, type ActionIo } from './action-io.js';

export async function cleanup(io: ActionIo = coreIo()): Promise<void> {
  try {
    const file = io.getState(State.PidFile);
    if (!file) return;
    const { killed } = await killRecordedGroups(file, 2000);
    if (killed.length) io.warning(`post: killed ${killed.length} leftover process group(s): ${killed.join(', ')}`);
    else io.info('post: no leftover processes');
  } catch (e) {
    io.warning(`post cleanup: ${errorMessage(e)}`);
  }
}
