// Every gate a test starts runs with a home of its own (ownHome in test/helpers/cli.ts, enforced by
// test/own-home-guard.ts): the default GPU lock and cache dir (~/.cache/accuracy-gate) of the user
// who runs the tests are never taken, waited on or seen by a test.
import * as childProcess from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI, REAL_HOME, ownHome, runCli, tempDir } from '../helpers/cli.js';
import { replayArgv, writeGateConfig } from '../helpers/gate.js';

// A trainer that looks, while the gate holds the GPU lock, at the default lock in its HOME and
// records what it found, then trains as the stand-in does.
const SPY = `import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
const [seen, ...train] = process.argv.slice(2);
const lock = join(process.env.HOME, '.cache', 'accuracy-gate', 'gpu.lock');
let holder = null;
try { holder = JSON.parse(readFileSync(lock, 'utf8')); } catch {}
writeFileSync(seen, JSON.stringify({ home: process.env.HOME, lock, holder }));
process.exit(spawnSync(train[0], train.slice(1), { stdio: 'inherit' }).status ?? 1);
`;

describe('a home of its own for every gate a test starts', () => {
  it("runCli: a config without lock.file takes the default lock in the run's own temp home, never the real one", async () => {
    const dir = tempDir('own-home-');
    const spy = path.join(dir, 'spy-train.mjs');
    const seen = path.join(dir, 'seen.json');
    writeFileSync(spy, SPY);
    const cfg = writeGateConfig(dir, 'own-home', { baseline: [process.execPath, spy, seen, ...replayArgv('eager', 40)], candidate: replayArgv('compile', 40) });
    let gatePid: number | undefined;
    const r = await runCli(['run', '--config', cfg], { onSpawn: (c) => (gatePid = c.pid), timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.home.startsWith(os.tmpdir() + path.sep)).toBe(true);
    expect(path.resolve(r.home)).not.toBe(REAL_HOME);
    const s = JSON.parse(readFileSync(seen, 'utf8')) as { home: string; lock: string; holder: { pid: number } | null };
    expect(s.home).toBe(r.home);
    expect(s.lock).toBe(path.join(r.home, '.cache', 'accuracy-gate', 'gpu.lock'));
    // Held by this very gate during training, and released after.
    expect(s.holder?.pid).toBe(gatePid);
    expect(existsSync(s.lock)).toBe(false);
  });

  it('ownHome keeps a home the test chose, and gives one of its own for the real home or none', () => {
    const chosen = tempDir('chosen-home-');
    expect(ownHome({ PATH: '/bin', HOME: chosen })).toEqual({ PATH: '/bin', HOME: chosen });
    for (const env of [{ PATH: '/bin', HOME: REAL_HOME }, { PATH: '/bin' }, { PATH: '/bin', HOME: `${REAL_HOME}/` }]) {
      const own = ownHome(env);
      expect(own.HOME.startsWith(os.tmpdir() + path.sep)).toBe(true);
      expect(own.XDG_CACHE_HOME).toBe(path.join(own.HOME, '.cache'));
      expect(own.PATH).toBe('/bin');
    }
    expect(ownHome().HOME).not.toBe(ownHome().HOME); // one per child
  });

  it('a bundle started with the real HOME (or none) is refused before it starts, whichever child_process call starts it', async () => {
    const refused = /a test started .*dist\/cli\.js.* with the real HOME .*use runCli or runAction, or pass env: ownHome/;
    const real = { ...process.env, HOME: REAL_HOME };
    const { HOME: _, ...none } = process.env;
    const argv = [CLI, '--version'];
    for (const env of [undefined, real, none]) {
      const opts = env ? { env } : {};
      expect(() => childProcess.spawn(process.execPath, argv, opts)).toThrow(refused);
      expect(() => childProcess.spawnSync(process.execPath, argv, opts)).toThrow(refused);
      expect(() => childProcess.execFile(process.execPath, argv, opts)).toThrow(refused);
      expect(() => childProcess.execFileSync(process.execPath, argv, opts)).toThrow(refused);
      expect(() => childProcess.fork(CLI, ['--version'], opts)).toThrow(refused);
      expect(() => childProcess.exec(`${process.execPath} ${CLI} --version`, opts)).toThrow(refused);
      expect(() => childProcess.execSync(`${process.execPath} ${CLI} --version`, opts)).toThrow(refused);
      expect(() => childProcess.spawnSync('bash', ['-c', `${process.execPath} ${CLI} --version`], opts)).toThrow(refused);
      expect(() => promisify(childProcess.execFile)(process.execPath, argv, opts)).toThrow(refused);
    }
    // With a home of its own it runs.
    const version = JSON.parse(readFileSync(path.join(path.dirname(CLI), '..', 'package.json'), 'utf8')).version as string;
    expect(childProcess.execFileSync(process.execPath, argv, { env: ownHome(), encoding: 'utf8' }).trim()).toBe(version);
    expect((await promisify(childProcess.execFile)(process.execPath, argv, { env: ownHome() })).stdout.trim()).toBe(version);
  });
});
