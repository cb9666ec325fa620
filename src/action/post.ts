// The post step (runs at job end, also after failure and cancellation): kill any process group
// the main step recorded that is still alive. Never fails the job.
import * as core from '@actions/core';
import { State } from '../constants.js';
import { errorMessage } from '../errors.js';
import { killRecordedGroups } from '../pipeline/process-registry.js';

export async function cleanup(): Promise<void> {
  try {
    const file = core.getState(State.PidFile);
    if (!file) return;
    const { killed } = await killRecordedGroups(file, 2000);
    if (killed.length) core.warning(`post: killed ${killed.length} leftover process group(s): ${killed.join(', ')}`);
    else core.info('post: no leftover processes');
  } catch (e) {
    core.warning(`post cleanup: ${errorMessage(e)}`);
  }
}
