// The Log of the action: @actions/core's log commands, annotations and groups.
import * as core from '@actions/core';
import type { Log } from '../log.js';

export function coreLog(): Log {
  return {
    info: (m) => core.info(m),
    warn: (m, ref) => core.warning(m, { file: ref?.file, startLine: ref?.line, title: ref?.title }),
    // Only errors with a location become annotations: the step shows at most 10, kept for the checks.
    error: (m, ref) => (ref ? core.error(m, { file: ref.file, startLine: ref.line, title: ref.title }) : core.info(`error: ${m}`)),
    group: (name, fn) => core.group(name, fn),
  };
}
