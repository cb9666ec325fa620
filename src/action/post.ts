// The post step (runs at job end, also after failure and cancellation): kill any process group
// the main step recorded that is still alive. Never fails the job.
import { State } from '../constants.js';
import { errorMessage } from '../errors.js';
import { killRecordedGroups } from '../pipeline/post-cleanup.js';
import { coreIo, type ActionIo } from './action-io.js';

export async function cleanup(io: ActionIo = coreIo()): Promise<void> {
  try {
    const file = io.getState(State.PidFile);
    if (!file) return;
    const { killed, refused } = await killRecordedGroups(file, 2000, io.getState(State.PidNonce) || undefined);
    if (killed.length) io.warning(`post: killed ${killed.length} leftover process group(s): ${killed.join(', ')}`);
    if (refused.length) {
      io.warning(`post: left ${refused.length} listed process group(s) alone, not started by this job's gate: ${refused.join(', ')} (the pid file was changed?)`);
    }
    if (!killed.length && !refused.length) io.info('post: no leftover processes');
  } catch (e) {
    io.warning(`post cleanup: ${errorMessage(e)}`);
  }
}
