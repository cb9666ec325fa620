// The post step (runs at job end, also after failure and cancellation): kill any process group
// the main step recorded that is still alive. Never fails the job.
import { State } from '../constants.js';
import { errorMessage } from '../errors.js';
import { createProcessRegistry } from '../pipeline/process/process-registry.js';
import { killRecordedGroups } from '../pipeline/process/post-cleanup.js';
import { containersIn, removeContainer } from '../pipeline/plan/container-stage.js';
import { coreIo, type ActionIo } from './action-io.js';

export async function cleanup(io: ActionIo = coreIo()): Promise<void> {
  try {
    const file = io.getState(State.PidFile);
    if (!file) return;
    // Read before the groups go: a stage still recorded did not end, and its container (config
    // `container`) belongs to the docker daemon, not to any group of ours. Only names this job's
    // gate gave (its pid is in the pid file's name) are taken from the file, which is on disk.
    const gatePid = /accuracy-gate-(\d+)\.pids\.json$/.exec(file)?.[1];
    const containers = gatePid
      ? containersIn(
          createProcessRegistry(file)
            .list()
            .map((g) => g.id),
          Number(gatePid),
        )
      : [];
    const { killed, refused } = await killRecordedGroups(file, 2000, io.getState(State.PidNonce) || undefined);
    if (killed.length) io.warning(`post: killed ${killed.length} leftover process group(s): ${killed.join(', ')}`);
    if (refused.length) {
      io.warning(
        `post: left ${refused.length} listed process group(s) alone, not started by this job's gate: ${refused.join(', ')} (the pid file was changed?)`,
      );
    }
    if (!killed.length && !refused.length) io.info('post: no leftover processes');
    for (const name of containers) {
      if (await removeContainer(name, io.env as Record<string, string>)) io.warning(`post: removed leftover container ${name}`);
    }
  } catch (e) {
    io.warning(`post cleanup: ${errorMessage(e)}`);
  }
}
