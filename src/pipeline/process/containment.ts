// How a stage's processes are kept together so that none outlives the stage. The PR's code runs in
// them and may detach on purpose (setsid, a double fork, a daemon): a process group alone does not
// hold it. In order of strength, the first this runner allows:
//   pid-namespace       `unshare --pid --fork --kill-child --mount-proc` (root): the stage is a PID
//                       namespace; when its first process ends, or unshare is killed, the kernel
//                       kills every process in it. Its own /proc: the gate's process is not visible.
//   user-pid-namespace  the same inside an unprivileged user namespace (`--user --map-current-user`,
//                       or `--map-root-user` on util-linux < 2.38). Ubuntu 24.04's AppArmor default
//                       forbids it: then the next one.
//   subreaper           a Python helper with PR_SET_CHILD_SUBREAPER (subreaper-script.ts): detached
//                       processes are re-parented to it and it stops them; a process of the stage can
//                       still leave it only if the helper itself is SIGKILLed first (we kill it last).
//   process-group       the stage's process group only (no unshare, no python3): a process that calls
//                       setsid escapes. Recorded and warned about.
// Each candidate is tried once per gate process with a real run of `true` under it.
import { spawnSync } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { ChildCommand } from './child-command.js';
import { SUBREAPER_PY } from './subreaper-script.js';

export type ContainmentKind = 'pid-namespace' | 'user-pid-namespace' | 'subreaper' | 'process-group';

export interface Containment {
  kind: ContainmentKind;
  /**
   * Wraps the stage's command. `mask`: files the command must neither read nor write (the runner's
   * file commands); in a namespace /dev/null is bind-mounted over each, elsewhere only their
   * variables are withheld (child-env.ts).
   */
  wrap(command: ChildCommand, graceMs: number, mask?: string[]): ChildCommand;
  /** Why a stronger mechanism was not used (one line), when one was not. */
  note?: string;
}

/** Names an operator (or a test) may force with ACCURACY_GATE_CONTAINMENT; "auto" or unset detects. */
export const CONTAINMENT_ENV = 'ACCURACY_GATE_CONTAINMENT';
const KINDS: ContainmentKind[] = ['pid-namespace', 'user-pid-namespace', 'subreaper', 'process-group'];

/** What each mechanism holds, for the README, the reports' provenance and warnings. */
export function describeContainment(kind: ContainmentKind): string {
  switch (kind) {
    case 'pid-namespace':
      return 'PID namespace (unshare as root)';
    case 'user-pid-namespace':
      return 'PID namespace in a user namespace (unshare, unprivileged)';
    case 'subreaper':
      return 'child subreaper (python3 prctl helper)';
    case 'process-group':
      return 'process group only: a process that calls setsid can outlive its stage';
  }
}

function which(program: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '/usr/bin:/bin').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, program);
    try {
      accessSync(file, fsConstants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  return undefined;
}

const NS_FLAGS = ['--pid', '--fork', '--kill-child', '--mount-proc'];

function works(file: string, args: string[]): boolean {
  const r = spawnSync(file, args, { stdio: 'ignore', timeout: 5000 });
  return r.status === 0;
}

/**
 * The namespace's first process (its init) is a bash that runs the command as its child and exits
 * with its status: the command itself must not be init, for which the kernel drops signals it does
 * not handle (`kill -TERM $$` would do nothing). When init exits the kernel kills what is left; it
 * says so in the stage's log first (its own /proc lists only the namespace). bash's own notes
 * ("Segmentation fault") are dropped: the outcome says it. Before the command starts, /dev/null is
 * bind-mounted over each masked file (in the namespace's own mounts only: the gate still writes
 * the real files). argv: <mount> <n> <n masked files> <program> <args...>.
 */
export const NAMESPACE_INIT =
  'exec 3>&2 2>/dev/null; m=$1; n=$2; shift 2; while [ "$n" -gt 0 ]; do "$m" --bind /dev/null "$1" || echo "[accuracy-gate] could not mask $1" >&3; n=$((n - 1)); shift; done; ' +
  '"$@" 2>&3 3>&-; s=$?; set -- /proc/[0-9]*; [ $# -gt 1 ] && echo "[accuracy-gate] $(($# - 1)) process(es) left running after the command ended: stopped" >&3; exit $s';

/**
 * unshare under `setpriv --pdeathsig KILL` where it has it (util-linux ≥ 2.33): when the gate's
 * process dies, even by SIGKILL (the runner's last kill, the OOM killer), unshare gets SIGKILL,
 * and with --kill-child the namespace goes with it. No stage outlives the gate.
 */
function namespaceWrap(kind: ContainmentKind, unshare: string, bash: string, flags: string[], env: NodeJS.ProcessEnv): Containment {
  const setpriv = which('setpriv', env.PATH);
  const tied = setpriv && works(setpriv, ['--pdeathsig', 'KILL', 'true']) ? [setpriv, '--pdeathsig', 'KILL', unshare] : [unshare];
  const [file, ...pre] = tied as [string, ...string[]];
  const mount = which('mount', env.PATH);
  return {
    kind,
    wrap: (c, _graceMs, mask = []) => {
      // mount(8) refuses a non-root user even in its own user namespace: masking needs root.
      const masked = mount && kind === 'pid-namespace' ? mask : [];
      return {
        ...c,
        file,
        args: [...pre, ...flags, '--', bash, '-c', NAMESPACE_INIT, 'accuracy-gate', mount ?? 'mount', String(masked.length), ...masked, c.file, ...c.args],
      };
    },
  };
}

function tryKind(kind: ContainmentKind, env: NodeJS.ProcessEnv): Containment | string {
  const isRoot = typeof process.geteuid === 'function' && process.geteuid() === 0;
  if (kind === 'pid-namespace' || kind === 'user-pid-namespace') {
    const unshare = which('unshare', env.PATH);
    if (!unshare) return 'no unshare on PATH';
    const bash = which('bash', env.PATH);
    if (!bash) return 'no bash on PATH';
    if (kind === 'pid-namespace') {
      if (!isRoot) return 'not root';
      return works(unshare, [...NS_FLAGS, 'true']) ? namespaceWrap(kind, unshare, bash, NS_FLAGS, env) : 'unshare --pid failed (no CAP_SYS_ADMIN here)';
    }
    for (const map of ['--map-current-user', '--map-root-user']) {
      const flags = ['--user', map, ...NS_FLAGS];
      if (works(unshare, [...flags, 'true'])) return namespaceWrap(kind, unshare, bash, flags, env);
    }
    return 'unshare --user failed (unprivileged user namespaces not permitted here)';
  }
  if (kind === 'subreaper') {
    const python = which('python3', env.PATH);
    if (!python) return 'no python3 on PATH';
    if (!works(python, ['-c', SUBREAPER_PY, String(process.pid), '0', 'true'])) return 'the python3 subreaper helper failed';
    return { kind, wrap: (c, graceMs) => ({ ...c, file: python, args: ['-c', SUBREAPER_PY, String(process.pid), String(graceMs), c.file, ...c.args] }) };
  }
  return { kind: 'process-group', wrap: (c) => c };
}

/** One kind, if it works here (for tests and for an operator's choice); undefined when it does not. */
export function containmentOf(kind: ContainmentKind, env: NodeJS.ProcessEnv = process.env): Containment | undefined {
  const c = tryKind(kind, env);
  return typeof c === 'string' ? undefined : c;
}

let detected: { key: string; value: Containment } | undefined;

/**
 * The strongest containment this runner allows (cached per process and environment setting). Not
 * Linux: the process group. ACCURACY_GATE_CONTAINMENT=<kind> asks for one kind; when it does not
 * work here, the next weaker one that does is used and the note says why.
 */
export function detectContainment(env: NodeJS.ProcessEnv = process.env): Containment {
  const wanted = (env[CONTAINMENT_ENV] ?? 'auto').trim();
  const key = `${wanted}\0${env.PATH ?? ''}`;
  if (detected?.key === key) return detected.value;
  const start = KINDS.indexOf(wanted as ContainmentKind);
  const order = process.platform !== 'linux' ? ['process-group' as const] : KINDS.slice(Math.max(0, start));
  const why: string[] = [];
  if (wanted !== 'auto' && start < 0) why.push(`${CONTAINMENT_ENV}=${wanted} is not one of auto, ${KINDS.join(', ')}`);
  let value: Containment | undefined;
  for (const kind of order) {
    const c = tryKind(kind, env);
    if (typeof c !== 'string') {
      value = c;
      break;
    }
    why.push(`${kind}: ${c}`);
  }
  value ??= { kind: 'process-group', wrap: (c) => c };
  if (why.length && (value.kind === 'subreaper' || value.kind === 'process-group')) value.note = why.join('; ');
  detected = { key, value };
  return value;
}

/** The provenance line: the mechanism the stages that ran were held by, and why not a stronger one. */
export function containmentProvenance(records: readonly { containment?: string }[], runner: Containment | undefined): Record<string, string> {
  const used = [...new Set(records.map((r) => r.containment).filter((k): k is ContainmentKind => KINDS.includes(k as ContainmentKind)))];
  if (!used.length) return {};
  const text = used.map((k) => `${k} (${describeContainment(k)})`).join(', ');
  const note = runner?.note && used.includes(runner.kind) ? `; not stronger because ${runner.note}` : '';
  return { containment: `${text}${note}` };
}
