// The post step (runs at job end, also after failure and cancellation): kill any process group
// the main step recorded that is still alive. Never fails the job.
import { State } from '../constants.js';
import { errorMessage } from '../errors.js';
import { createProcessRegistry, killRecordedGroups } from '../pipeline/process-registry.js';
import { containersIn, removeContainer } from '../pipeline/container-stage.js';
import { coreIo, type ActionIo } from './action-io.js';

export async function cleanup(io: ActionIo = coreIo()): Promise<void> {
  try {
    const file = io.getState(State.PidFile);
    if (!file) return;
    // Read before the groups go: a stage still recorded did not end, and its container (config
    // `container`) belongs to the docker daemon, not to any group of ours.
    const containers = containersIn(createProcessRegistry(file).list().map((g) => g.id));
    const { killed } = await killRecordedGroups(file, 2000);
    if (killed.length) io.warning(`post: killed ${killed.length} leftover process group(s): ${killed.join(', ')}`);
    else io.info('post: no leftover processes');
    for (const name of containers) {
      if (await removeContainer(name, io.env as Record<string, string>)) io.warning(`post: removed leftover container ${name}`);
    }
  } catch (e) {
    io.warning(`post cleanup: ${errorMessage(e)}`);
  }
}
