// The few git commands bisect needs, run as `git` processes in the work tree (an edge: side effects).
import { spawnSync } from 'node:child_process';
import { UsageError } from '../errors.js';

function git(cwd: string, args: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.error) throw new UsageError(`cannot run git: ${r.error.message}`);
  return { ok: r.status === 0, out: r.stdout.trim(), err: r.stderr.trim() };
}

function must(cwd: string, args: string[], what: string): string {
  const r = git(cwd, args);
  if (!r.ok) throw new UsageError(`${what}: ${r.err.split('\n')[0] || `git ${args.join(' ')} failed`}`);
  return r.out;
}

/** The top of the work tree; a usage error outside one, or with tracked changes (checkouts would lose them). */
export function cleanWorkTree(cwd: string): string {
  const top = git(cwd, ['rev-parse', '--show-toplevel']);
  if (!top.ok) throw new UsageError(`bisect: ${cwd} is not in a git work tree`);
  const dirty = must(top.out, ['status', '--porcelain', '--untracked-files=no'], 'bisect: git status');
  if (dirty)
    throw new UsageError(
      `bisect: the work tree has uncommitted changes (${dirty.split('\n')[0].trim()}${dirty.includes('\n') ? ', ...' : ''}); commit or stash them first`,
    );
  return top.out;
}

/** The full sha of a revision, or a usage error naming it. */
export function resolveRev(top: string, rev: string, flag: string): string {
  const r = git(top, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  if (!r.ok || !r.out) throw new UsageError(`bisect: ${flag} ${rev}: not a commit in this repository`);
  return r.out;
}

/** What to check out again at the end: the branch name when on one, else the detached sha. */
export function currentHead(top: string): { ref: string; sha: string } {
  const sha = must(top, ['rev-parse', 'HEAD'], 'bisect: git rev-parse HEAD');
  const branch = git(top, ['symbolic-ref', '-q', '--short', 'HEAD']);
  return { ref: branch.ok && branch.out ? branch.out : sha, sha };
}

export function checkout(top: string, ref: string, detach: boolean): void {
  must(top, ['checkout', '-q', ...(detach ? ['--detach'] : []), ref], `bisect: git checkout ${ref}`);
}

/** Commits after `good` up to and including `bad`, oldest first, on the ancestry path. */
export function commitsBetween(top: string, good: string, bad: string): string[] {
  const isAncestor = git(top, ['merge-base', '--is-ancestor', good, bad]);
  if (!isAncestor.ok) throw new UsageError(`bisect: --good ${good.slice(0, 12)} is not an ancestor of --bad ${bad.slice(0, 12)}`);
  const out = must(top, ['rev-list', '--reverse', '--ancestry-path', `${good}..${bad}`], 'bisect: git rev-list');
  return out ? out.split('\n') : [];
}

export function subjectOf(top: string, sha: string): string {
  return must(top, ['log', '-1', '--format=%s', sha], 'bisect: git log');
}
