// Each name written once; code and tests use these.

/** CLI exit codes (README, "CLI"): outside scripts depend on them. */
export enum ExitCode {
  Pass = 0,
  Fail = 1,
  Usage = 2,
  Inconclusive = 3,
  Invalid = 4,
}

/** Action inputs (kebab-case, as in action.yml). */
export enum Inputs {
  Config = 'config',
  ModelDir = 'model-dir',
  WorkingDirectory = 'working-directory',
  GithubToken = 'github-token',
  Comment = 'comment',
  ArtifactName = 'artifact-name',
  ArtifactRetentionDays = 'artifact-retention-days',
  FailOn = 'fail-on',
  Stages = 'stages',
  AllowForkPrs = 'allow-fork-prs',
  Quick = 'quick',
  QuickSteps = 'quick-steps',
  AcknowledgeLabel = 'acknowledge-label',
}

/** Action outputs. */
export enum Outputs {
  Verdict = 'verdict',
  ResultDir = 'result-dir',
  SummaryJson = 'summary-json',
  ArtifactId = 'artifact-id',
  CommentUrl = 'comment-url',
  Acknowledged = 'acknowledged',
}

/** Keys handed from the main step to the post step. */
export enum State {
  ResultDir = 'result-dir',
  PidFile = 'pid-file',
  /** The nonce every stage leader of the main step carried (post-cleanup.ts). */
  PidNonce = 'pid-nonce',
}

export const DEFAULT_CONFIG_PATH = '.github/accuracy-gate.yml';
/** GitHub's issue-comment maximum. */
export const COMMENT_LIMIT = 65_536;
/** The runner rejects a step summary above 1 MiB. */
export const SUMMARY_LIMIT = 1024 * 1024;
/** The runner shows at most 10 error annotations per step. */
export const ANNOTATION_LIMIT = 10;

/** Files above this size are not swept for secrets (and so never uploaded): checkpoint shards, sparse files. */
export const SWEEP_LIMIT_BYTES = 256 * 1024 * 1024;
