// The options several commands share, declared once so their flag, argument and help cannot drift
// apart between commands (`run` and `validate` describe them identically). Each is a factory: a
// commander Option belongs to the one command it is added to. Typed through
// @commander-js/extra-typings, so each command's action gets its options' real types, not `any`.
import { Option, type Command, type OptionValues } from '@commander-js/extra-typings';
import { STAGE_IDS } from '../pipeline/plan/stages.js';

export const DEFAULT_CONFIG_HELP = 'gate config (default .github/accuracy-gate.yml, else the built-in TorchAcc flow)';

/** --config: the gate config; `note` adds what this command reads it for. */
export const configOption = (note?: string) => new Option('--config <file>', note ? `${DEFAULT_CONFIG_HELP}; ${note}` : DEFAULT_CONFIG_HELP);

export const modelDirOption = () => new Option('--model-dir <dir>', 'original model dir (overrides the config)');

export const workdirOption = () => new Option('--workdir <dir>', 'working directory (overrides the config)');

/** --out of the commands that start a gate run (run, validate, run --dry-run). */
export const resultRootOption = () => new Option('--out <dir>', 'result root (overrides result-dir); each run writes <out>/<YYYYmmdd_HHMMSS>/');

export const stagesOption = () => new Option('--stages <list>', `comma-separated subset of ${STAGE_IDS.join(',')} (default all)`);

/** --verbose; `what` names whose output is echoed. */
export const verboseOption = (what = "every stage's output (the logs in the result dir always have it)") => new Option('--verbose', `echo ${what}`);

export const quickOption = (help: string) => new Option('--quick', help);

/** Adds the options `run` and `validate` share (validate is run --dry-run), in one order. */
export function withGateRunOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(cmd: Command<A, O, G>) {
  return cmd.addOption(configOption()).addOption(modelDirOption()).addOption(resultRootOption()).addOption(stagesOption()).addOption(workdirOption());
}
