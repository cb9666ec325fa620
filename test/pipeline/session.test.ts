// One way to start a gate (issue 24 item 4): every front end opens a session (signals, runner,
// clock, heartbeat, provenance); bisect and calibrate --repeat run several gates in one, so a
// signal between two gates stops the rest; runGate returns what callers need (run.json's content).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { configHash } from '../../src/config/config-hash.js';
import { memoryLog } from '../../src/log.js';
import { openSession } from '../../src/pipeline/session.js';
import { MANIFEST } from '../../src/pipeline/stages/manifest.js';
import { VERSION } from '../../src/version.js';

const tmp = mkdtempSync(join(tmpdir(), 'ag-session-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const YAML = 'arms:\n  baseline:\n    train: python train.py\n  candidate:\n    train: python train.py --acc\n';

/** The handler a session added for `sig` (the test calls it as node would). */
function added(sig: NodeJS.Signals, before: Function[]): (s: NodeJS.Signals) => void {
  const mine = process.listeners(sig).filter((l) => !before.includes(l));
  expect(mine).toHaveLength(1);
  return mine[0] as (s: NodeJS.Signals) => void;
}

describe('a gate session', () => {
  it("states the provenance once (tool, platform, config hash, then the caller's own) and returns run.json's content", async () => {
    const config = parseConfig(YAML, join(tmp, 'gate.yml'));
    const session = openSession({ log: memoryLog(), env: { PATH: process.env.PATH, GITHUB_SHA: 'abc123' }, secrets: [], onSignal: (s) => `received ${s}` });
    try {
      const outcome = await session.run({
        config,
        configSource: 'gate.yml',
        baseDir: tmp,
        stages: [],
        resultRoot: join(tmp, 'r1'),
        allowCacheWrite: false,
        provenance: { commit: 'feedbeef' },
      });
      const p = outcome.reportContext.provenance;
      expect(p).toMatchObject({ 'accuracy-gate': VERSION, node: process.version, 'config-hash': configHash(config), commit: 'feedbeef', config: 'gate.yml' });
      expect(Object.keys(p).slice(0, 3)).toEqual(['accuracy-gate', 'node', 'host']);
      expect(outcome.result.verdict).toBe('ungated');
      expect(outcome.manifest?.runId).toBe(basename(outcome.resultDir));
      expect(outcome.manifest).toEqual(JSON.parse(readFileSync(join(outcome.resultDir, MANIFEST), 'utf8')));
    } finally {
      session.close();
    }
  });

  it('a signal between two gates stops the next one (INVALID, cancelled), said once; close removes the handlers', async () => {
    const config = parseConfig(YAML, join(tmp, 'gate.yml'));
    const before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM'), SIGHUP: process.listeners('SIGHUP') };
    const log = memoryLog();
    const session = openSession({ log, env: { PATH: process.env.PATH }, secrets: [], onSignal: (s) => `received ${s}` });
    const onTerm = added('SIGTERM', before.SIGTERM);
    added('SIGINT', before.SIGINT);
    added('SIGHUP', before.SIGHUP);
    const first = await session.run({ config, configSource: 'gate.yml', baseDir: tmp, stages: [], resultRoot: join(tmp, 'r2'), allowCacheWrite: false });
    expect(first.result.verdict).toBe('ungated');
    expect(session.cancel.cancelled).toBe(false);
    onTerm('SIGTERM');
    expect(session.cancel.reason).toBe('received SIGTERM');
    const outcome = await session.run({ config, configSource: 'gate.yml', baseDir: tmp, stages: [], resultRoot: join(tmp, 'r2'), allowCacheWrite: false });
    expect(outcome.result.verdict).toBe('invalid');
    expect(outcome.result.problems).toContainEqual({ source: 'runner', message: 'cancelled: received SIGTERM' });
    // The finished gate does not react to the signal again: one "cancelled" line, the running gate's.
    expect(log.lines.filter((l) => l.includes('cancelled (received SIGTERM)'))).toHaveLength(1);
    session.close();
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) expect(process.listeners(sig)).toEqual(before[sig]);
  });
});
