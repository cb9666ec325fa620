// The command-line front end: parses argv (commander), calls the engine, maps verdicts and errors
// to exit codes (README, "CLI").
import { Command, CommanderError, Option } from '@commander-js/extra-typings';
import { ExitCode } from '../constants.js';
import { ConfigError, GateError, ParseError, UsageError, describeParseError, errorMessage } from '../errors.js';
import type { Verdict } from '../model.js';
import { streamLog } from '../log.js';
import { compareCommand } from './compare.js';
import { runCommand } from './run.js';
import { defaultDemoDir, demoCommand } from './demo.js';
import { calibrateCommand } from './calibrate.js';
import { initCommand } from './init.js';
import { validateCommand } from './validate.js';
import { bisectCommand } from './bisect.js';
import { probeCommand } from './probe.js';
import { VERSION } from '../version.js';
import { defaultIo, type CliIo } from './io.js';
import { configOption, modelDirOption, quickOption, verboseOption, withGateRunOptions, workdirOption } from './options.js';

export function exitCodeFor(verdict: Verdict): ExitCode {
  switch (verdict) {
    case 'pass':
      return ExitCode.Pass;
    case 'fail':
      return ExitCode.Fail;
    case 'inconclusive':
      return ExitCode.Inconclusive;
    case 'invalid':
      return ExitCode.Invalid;
    case 'ungated':
      // Nothing was compared (a split workflow's arm job): not a failure, but not a PASS either.
      return ExitCode.Pass;
  }
}

const collect = (value: string, previous: string[]) => [...previous, value];

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let code: number = ExitCode.Pass;
  const log = streamLog(io.stderr);
  const program = new Command('accuracy-gate')
    .description('Gate an accelerated training backend (TorchAcc) on accuracy parity with native PyTorch.')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  program.addHelpText(
    'after',
    '\nStart with `accuracy-gate init` in your repository, or try `accuracy-gate demo`.\nExit codes: 0 PASS, 1 FAIL, 2 usage or config error, 3 INCONCLUSIVE, 4 INVALID.\n',
  );

  program
    .command('compare')
    .description('Check and report on two finished training runs (and their MT-Bench judgments); trains nothing.')
    .requiredOption('--baseline-run <dir>', 'baseline (torch native) HF Trainer output dir')
    .requiredOption('--candidate-run <dir>', 'candidate (TorchAcc) HF Trainer output dir')
    .option('--original-run <dir>', 'original model dir (its basename picks its MT-Bench model id)')
    .option('--mtbench <file>', 'FastChat single-mode judgment JSONL (repeatable)', collect, [])
    .option('--questions <file>', 'MT-Bench question.jsonl, for per-category means')
    .option('--baseline-model-id <id>', 'MT-Bench model id of the baseline checkpoint')
    .option('--candidate-model-id <id>', 'MT-Bench model id of the candidate checkpoint')
    .option('--original-model-id <id>', 'MT-Bench model id of the original model')
    .option('--baseline-log <file>', 'baseline training log (fallback when the run dir lacks JSON files)')
    .option('--candidate-log <file>', 'candidate training log (fallback)')
    .option('--baseline-label <name>', 'name of the baseline in every report (default: the config\'s, "Torch")')
    .option('--candidate-label <name>', 'name of the candidate in every report (default: the config\'s, "TorchAcc")')
    .option('--config <file>', 'gate config (labels, check bounds)')
    .option('--out <dir>', 'write the result files (summary.json, result.log, report.md, junit.xml) into this dir')
    .action(async (opts) => {
      code = exitCodeFor((await compareCommand(opts, io, log)).verdict);
    });

  withGateRunOptions(
    program
      .command('run')
      .description(
        "The whole gate, as TorchAcc's benchmarks/accuracy run.sh: train the baseline and the candidate, MT-Bench on the original model and both checkpoints, check, report.",
      ),
  )
    .option('--history <file>', 'nightly history (JSONL): show the trend and check the baseline for drift')
    .option('--record-history', 'append this run to --history (for scheduled runs of trusted code)')
    .option('--write-cache', 'store the baseline and original-model results in the cache (only from trusted code: your default branch)')
    .addOption(verboseOption())
    .option('--dry-run', 'check the config and preflight, print the plan, start nothing (as validate)')
    .addOption(quickOption('quick tier: stop the candidate after its first N steps and gate only that prefix (finite, loss curve, loss tail)'))
    .option('--quick-steps <n>', "N for --quick (default: the config's quick.steps, else 10 % of the baseline's max_steps)")
    .action(async (opts) => {
      code = opts.dryRun ? await validateCommand(opts, io, log) : exitCodeFor((await runCommand(opts, io, log)).verdict);
    });

  withGateRunOptions(
    program
      .command('validate')
      .description('Check the config and everything checkable before training (commands, model dir, GPUs, disk, judge env); print the plan.'),
  ).action(async (opts) => {
    code = await validateCommand(opts, io, log);
  });

  program
    .command('bisect')
    .description('Find the commit that broke the gate: --good gates PASS, --bad FAIL, the commits between are gated candidate-only.')
    .requiredOption('--good <rev>', 'a commit that gates PASS')
    .requiredOption('--bad <rev>', 'a later commit that gates FAIL')
    .addOption(configOption('read once, before any checkout'))
    .option('--out <dir>', 'result root; the bisect writes <out>/bisect-<YYYYmmdd_HHMMSS>/ (bisect.json and one dir per gate run)')
    .addOption(quickOption('gate each commit with the quick tier'))
    .action(async (opts) => {
      code = await bisectCommand(opts, io, log);
    });

  program
    .command('demo')
    .description('The whole gate on example runs recorded on a GPU, replayed at speed; no GPU needed. MT-Bench scores are synthetic.')
    .addOption(new Option('--scenario <name>', 'which candidate to replay').choices(['pass', 'regression', 'diverge']).default('pass'))
    .option('--out <dir>', 'result root; <dir>/latest points at the newest run', defaultDemoDir())
    .option('--speed <factor>', 'replay speed-up over the recorded wall time', '4')
    .addOption(verboseOption("every stage's output"))
    .action(async (opts) => {
      code = exitCodeFor((await demoCommand(opts, io, log)).verdict);
    });

  program
    .command('calibrate')
    .description(
      "A/A runs of one configuration → each check's noise, false-alarm rates, suggested bounds, the smallest regression that FAILs, a checks: snippet.",
    )
    .option('--runs <dirs...>', 'trainer output dirs of the same configuration (A/A: reruns, other data seeds), at least 2')
    .option('--repeat <k>', 'train the baseline arm K times (cache off) through the pipeline and calibrate on those')
    .option('--history <file>', 'nightly history (JSONL): its baselines with unchanged inputs')
    .option('--mtbench <file>', 'FastChat single-mode judgment JSONL (repeatable), with --model-ids', collect, [])
    .option('--model-ids <ids...>', 'MT-Bench model ids of A/A checkpoints, at least 2')
    .option('--config <file>', 'gate config (current bounds; for --repeat the baseline arm)')
    .option('--out <dir>', 'calibration root; writes <out>/<YYYYmmdd_HHMMSS>/calibration.{md,json}, checks.yml', 'calibration')
    .option('--pass-factor <c1>', 'suggested pass bound = c1 x the largest A/A value (default 1.5)')
    .option('--fail-factor <c2>', 'suggested fail bound = c2 x the largest A/A value (default 3)')
    .addOption(verboseOption("every stage's output (--repeat)"))
    .action(async (opts) => {
      await calibrateCommand(opts, io, log);
      code = ExitCode.Pass;
    });

  program
    .command('probe')
    .description(
      'Which module computes differently: per-module forward outputs and gradients of the baseline, the candidate and the baseline in higher precision (the reference) on the same batch; names the first module whose error breaks candidate <= m x baseline + floor.',
    )
    .option('--baseline <file>', "judge recorded probe files: the baseline run's (with --candidate and --reference)")
    .option('--candidate <file>', "the candidate run's probe file")
    .option('--reference <file>', "the reference run's probe file (ACCURACY_GATE_PROBE_REFERENCE=fp64|fp32)")
    .option('--config <file>', 'gate config: the arms whose train commands are run (without the three files), and probe: settings')
    .addOption(modelDirOption())
    .addOption(workdirOption())
    .option('--out <dir>', 'result root for the probe runs (<out>/<YYYYmmdd_HHMMSS>/probe/); with the three files, where probe.json and probe.md go')
    .option('--steps <k>', "forward+backward passes to record (default: the config's probe.steps, else 1)")
    .addOption(verboseOption("the probe runs' output"))
    .action(async (opts) => {
      code = await probeCommand(opts, io, log);
    });

  program
    .command('init')
    .description(
      'Write a commented config (.github/accuracy-gate.yml) and a workflow for pull requests, nightly and manual runs, for the layout found here; never overwrites.',
    )
    .option('--dir <dir>', 'repository root', '.')
    .action(async (opts) => {
      await initCommand(opts, io, log);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    if (argv.length === 0) {
      program.outputHelp();
      return ExitCode.Usage;
    }
    return code;
  } catch (e) {
    return errorExit(e, io);
  }
}

function errorExit(e: unknown, io: CliIo): number {
  if (e instanceof CommanderError) {
    // Help and version are not errors; commander already printed its one-line message otherwise.
    return e.exitCode === 0 ? ExitCode.Pass : ExitCode.Usage;
  }
  if (e instanceof ConfigError) {
    // The message already names file:line and key, one problem per line.
    io.stderr(
      `${e.message
        .split('\n')
        .map((l) => `accuracy-gate: config error: ${l}`)
        .join('\n')}\n`,
    );
    return ExitCode.Usage;
  }
  if (e instanceof UsageError) {
    io.stderr(`accuracy-gate: ${e.message}\n`);
    return ExitCode.Usage;
  }
  if (e instanceof ParseError) {
    io.stderr(`accuracy-gate: INVALID: ${describeParseError(e)}\n`);
    return ExitCode.Invalid;
  }
  const kind = e instanceof GateError ? '' : 'internal error: ';
  io.stderr(`accuracy-gate: INVALID: ${kind}${errorMessage(e)}\n`);
  return ExitCode.Invalid;
}
