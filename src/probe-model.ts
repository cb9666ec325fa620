// The probe's data (issue 25 part 3): what readers/probe.ts reads from the Python helper's files
// (python/accuracy_gate_probe, format in docs/formats.md "Probe files"), and what checks/probe.ts
// judges from three of them. Pure types, shared by readers, checks and report as model.ts is.

/** One recorded tensor: a module's forward output, or a parameter's gradient. */
export interface ProbeRecord {
  kind: 'forward' | 'grad';
  /** 0-based forward+backward pass. */
  step: number;
  /** Forward: completion order of the module calls (children before their parent); grad: order of accumulation in backward. */
  order: number;
  /** Module name (forward) or parameter name (grad), without torch.compile's `_orig_mod.` prefix. */
  name: string;
  /** Forward only: which call of this module in the step (0 = first), and which output ("0", "logits", "loss"). */
  call?: number;
  output?: string;
  shape: number[];
  dtype: string;
  norm: number;
  absmax: number;
  nonfinite: number;
  /** Flat indices sampled (a function of the name and shape), and the values there. */
  index: number[];
  sample: number[];
  /** Line in its file, for messages. */
  line: number;
}

export interface ProbeRun {
  file: string;
  mode: 'run' | 'reference';
  /** fp64 | fp32 for a reference run. */
  reference?: string;
  paramDtype?: string;
  device?: string;
  torch?: string;
  /** The K the run was asked to record, and how many passes its file holds. */
  steps: number;
  recorded: number;
  /** Input batch hash per step. */
  batches: string[];
  records: ProbeRecord[];
  /** False when the file has no "end" line: the run stopped before K passes were recorded. */
  complete: boolean;
}

/** One compared tensor: the candidate's error against the reference, judged by the baseline's. */
export interface ProbeEntry {
  kind: 'forward' | 'grad';
  /** Module (forward: `name`, `name#call` for a later call, `name:output` for a named output) or parameter. */
  name: string;
  step: number;
  order: number;
  dtype: string;
  /** Relative errors against the reference: max(sampled elements' relative L2 error, relative norm error). */
  baselineError: number;
  candidateError: number;
  /** m × baselineError + floor. */
  bound: number;
  /** candidateError / max(baselineError, floor). */
  ratio: number;
  flagged: boolean;
  /** Why an entry is special (non-finite values, a shape that differs). */
  note?: string;
}

export interface ProbeCounts {
  checked: number;
  flagged: number;
}

export interface ProbeReport {
  /** pass: no module breaks the rule; fail: at least one does; invalid: not comparable / unreadable. */
  verdict: 'pass' | 'fail' | 'invalid';
  /** One line, e.g. "first differing module: model.layers.2.input_layernorm (forward output, error 0.46 vs the baseline's 0.0061, bound 0.034)". */
  headline: string;
  /** The module named as the first that computes differently: the first flagged forward output, else the first flagged gradient in backward order. */
  first?: ProbeEntry;
  firstForward?: ProbeEntry;
  firstGrad?: ProbeEntry;
  /** The first differing module, then the largest ratios (flagged first); at most `top`. */
  top: ProbeEntry[];
  forward: ProbeCounts;
  grad: ProbeCounts;
  /** The rule: m, the floor and the precision they were chosen for. */
  rule: { multiplier: number; floor: number; precision: string };
  /** Tensors recorded in one run and not in another (names), at most 20. */
  unmatched: string[];
  files: { baseline: string; candidate: string; reference: string };
  /** Facts that do not change the verdict but a reader must see. */
  notes: string[];
}
