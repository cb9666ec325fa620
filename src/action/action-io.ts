// Everything the action's main step needs from the runner, behind one interface (as Log and CliIo
// are for the engine and the CLI): inputs, outputs, state, the step's result, log commands and the
// environment, and the Log the engine writes to. coreIo() is the real one (@actions/core); tests pass a recording fake.
import * as core from '@actions/core';
import type { Log } from '../log.js';
import { coreLog } from './core-log.js';

export interface AnnotationRef {
  title?: string;
  file?: string;
  startLine?: number;
}

export interface ActionIo {
  /** The step's environment (GITHUB_*, RUNNER_TEMP, ...). */
  env: NodeJS.ProcessEnv;
  /** An input as the runner passed it, trimmed; '' when unset. */
  getInput(name: string): string;
  setOutput(name: string, value: string): void;
  setFailed(message: string): void;
  setSecret(value: string): void;
  saveState(name: string, value: string): void;
  getState(name: string): string;
  /** Appends to the job summary (GITHUB_STEP_SUMMARY). */
  writeSummary(markdown: string): Promise<void>;
  info(message: string): void;
  notice(message: string): void;
  warning(message: string): void;
  error(message: string, ref?: AnnotationRef): void;
  /** The engine's Log for this step (log commands, annotations, groups): what runGate, the state store and the clients write to. */
  log: Log;
}

export function coreIo(env: NodeJS.ProcessEnv = process.env): ActionIo {
  return {
    env,
    getInput: (name) => core.getInput(name),
    setOutput: (name, value) => core.setOutput(name, value),
    setFailed: (message) => core.setFailed(message),
    setSecret: (value) => core.setSecret(value),
    saveState: (name, value) => core.saveState(name, value),
    getState: (name) => core.getState(name),
    writeSummary: async (markdown) => void (await core.summary.addRaw(markdown).write()),
    info: (message) => core.info(message),
    notice: (message) => core.notice(message),
    warning: (message) => core.warning(message),
    error: (message, ref) => core.error(message, ref),
    log: coreLog(),
  };
}
