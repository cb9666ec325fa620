// Issue 23 item 4: the CLI a user gets is the tarball `npm pack` builds (attached to each release by
// .github/workflows/release.yml). Packed from this checkout, unpacked where no node_modules exist,
// and run as a user runs it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, ownHome, tempDir } from '../helpers/cli.js';

const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('the npm pack tarball', () => {
  it('holds dist/cli.js, the action and the demo files (no sources, tests or node_modules), and its CLI runs with nothing installed', () => {
    const dest = tempDir('pack-');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const pack = spawnSync(npm, ['pack', '--json', '--pack-destination', dest], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(pack.status, pack.stderr).toBe(0);
    const [info] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    expect(info!.filename).toBe(`accuracy-gate-${version}.tgz`);
    const files = info!.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/cli.js',
        'dist/index.js',
        'dist/post.js',
        'action.yml',
        'package.json',
        'src/config/config.schema.json',
        'examples/demo/replay-train.mjs',
        'examples/recorded/eager/trainer_state.json',
      ]),
    );
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('node_modules/') || (f.startsWith('src/') && f.endsWith('.ts')))).toEqual([]);

    const unpacked = tempDir('unpacked-');
    expect(spawnSync('tar', ['xzf', path.join(dest, info!.filename), '-C', unpacked]).status).toBe(0);
    const cli = path.join(unpacked, 'package', 'dist', 'cli.js');
    const v = spawnSync(process.execPath, [cli, '--version'], { cwd: unpacked, encoding: 'utf8', env: ownHome() });
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout.trim()).toBe(version);
    // The demo runs from the tarball alone: its recorded runs are packed with it.
    const demo = spawnSync(process.execPath, [cli, 'demo', '--out', path.join(unpacked, 'demo')], {
      cwd: unpacked,
      encoding: 'utf8',
      timeout: 120_000,
      env: ownHome(),
    });
    expect(demo.status, demo.stderr).toBe(0);
    expect(demo.stdout + demo.stderr).toMatch(/PASS/);
  });
});
