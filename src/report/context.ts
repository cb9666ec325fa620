// What the reports need besides the GateResult: where and when the run happened, and links.

export interface ReportContext {
  /** The gate's name, e.g. "torchacc-llama"; also goes in the PR comment's hidden marker. */
  gateName: string;
  /** The result dir as shown to users, e.g. "./result/20241205_223009". */
  resultDir: string;
  /** ISO timestamps. */
  startedAt: string;
  finishedAt: string;
  /** Links for the PR comment. */
  runUrl?: string;
  artifactUrl?: string;
  /** Versions, commit, config hash, GPU, ... */
  provenance: Record<string, string>;
  /** Demo data: every report says "synthetic example" prominently. */
  synthetic?: boolean;
  /**
   * The verdicts that fail the step (the action's `fail-on`); junit marks a check `<failure>` only
   * for those. Absent (the CLI): INCONCLUSIVE exits 3, so it is a failure there.
   */
  failOn?: readonly string[];
}
