// Issue 23 item 4: an honest install path. The README says how a user gets the action (the committed
// dist/ at the major tag) and the CLI (the release's `npm pack` tarball, or dist/cli.js of a
// checkout), never `npx accuracy-gate` from the npm registry (the name is not ours there);
// .github/workflows/release.yml builds, tests, packs, attaches the tarball and moves the major tag;
// the config schema URL points at a file of this repository at that tag.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SCHEMA_URL } from '../src/cli/init.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');
const RELEASE = '.github/workflows/release.yml';

describe('install path and release', () => {
  it('release.yml passes the workflow linter and builds, tests, packs, releases the tarball and moves the major tag', () => {
    const bin = path.join(ROOT, 'node_modules', '.bin', 'action-validator');
    const r = spawnSync(bin, [path.join(ROOT, RELEASE)], { encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    const wf = parse(read(RELEASE)) as {
      on: { push: { tags: string[] } };
      permissions: Record<string, string>;
      jobs: { release: { steps: Array<{ run?: string; uses?: string }> } };
    };
    expect(wf.on.push.tags).toEqual(['v[0-9]+.[0-9]+.[0-9]+']);
    expect(wf.permissions).toEqual({ contents: 'write' });
    const runs = wf.jobs.release.steps.map((s) => s.run ?? '').join('\n');
    const order = [
      'bash .ci/run',
      'npm pack',
      'dist/cli.js" --version',
      'gh release create "$GITHUB_REF_NAME" "$TARBALL"',
      'git push -f origin "refs/tags/$major"',
    ].map((s) => runs.indexOf(s));
    expect(
      order.every((i) => i >= 0),
      `steps: ${order}`,
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order); // tested before packed, packed before released, released before the tag moves
    expect(runs).not.toMatch(/npm publish/);
  });

  it('the config schema URL names a file in this repository, at the major tag the action is used by', () => {
    const m = /^https:\/\/raw\.githubusercontent\.com\/([^/]+\/[^/]+)\/(v\d+)\/(.+)$/.exec(SCHEMA_URL);
    expect(m, SCHEMA_URL).not.toBeNull();
    const [, repo, major, file] = m!;
    expect(existsSync(path.join(ROOT, file!))).toBe(true);
    expect((JSON.parse(read(file!)) as { $id: string }).$id).toBe(SCHEMA_URL);
    // The README's `uses:` names the same repository and major tag.
    expect(read('README.md')).toContain(`uses: ${repo}@${major}`);
    expect(read('README.md')).toContain(SCHEMA_URL);
  });

  it('the README never sends a user to the npm registry for the CLI; the package cannot be published by mistake', () => {
    const readme = read('README.md');
    // `npx accuracy-gate` outside this checkout would fetch whatever someone published under the name.
    expect(readme).not.toMatch(/npx accuracy-gate init/);
    expect(readme).toMatch(/npm pack/);
    expect(readme).toMatch(/node \S*dist\/cli\.js/);
    const pkg = JSON.parse(read('package.json')) as { private?: boolean; files?: string[]; bin: Record<string, string> };
    expect(pkg.private).toBe(true);
    expect(pkg.files).toContain('dist/');
    expect(pkg.bin['accuracy-gate']).toBe('dist/cli.js');
  });
});
