// Config `container: { image, options, setup, env }`: every stage runs in a container of its own
// (src/pipeline/plan/container-stage.ts), as TorchAcc's own GPU jobs run in `docker run … $UT_IMAGE`.
// Pure: the YAML mapping (already schema-checked) → ContainerConfig.

export interface ContainerConfig {
  /**
   * The image. `${NAME}` parts are read from the gate's environment when the run starts, so the
   * name can come from a secret or a repository variable (the workflow passes it as env).
   */
  image: string;
  /** Further `docker run` options as argv (e.g. --net host --ipc host --shm-size 80G). */
  options: string[];
  /** Run in the container (at the repository root) before each stage's command: installs the PR's code. */
  setup?: string;
  /** Variables of the gate's environment passed into the container by name (-e NAME), besides the stage's own. */
  env: string[];
}

/** `options` in the config: a string split on whitespace (as GitHub's `container.options`), or a list. */
export function containerConfig(raw: Record<string, unknown>): ContainerConfig {
  const options = raw.options === undefined ? [] : Array.isArray(raw.options) ? (raw.options as string[]) : String(raw.options).split(/\s+/).filter(Boolean);
  return {
    image: String(raw.image),
    options,
    ...(typeof raw.setup === 'string' && raw.setup.trim() ? { setup: raw.setup } : {}),
    env: Array.isArray(raw.env) ? (raw.env as string[]) : [],
  };
}
