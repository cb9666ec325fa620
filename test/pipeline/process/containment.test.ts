// Containment with real processes that try to leave their stage: a setsid grandchild, a double
// fork, a process that ignores SIGTERM. Each mechanism this machine allows is tested; the ones it
// does not allow are skipped with the reason (the README says which runner allows which).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { childEnv } from '../../../src/pipeline/process/child-env.js';
import { CONTAINMENT_ENV, containmentOf, detectContainment, type ContainmentKind } from '../../../src/pipeline/process/containment.js';
import { createProcessRunner, type StageSpec } from '../../../src/pipeline/process/process-runner.js';
import { killAll } from '../../helpers/cli.js';

const GRACE = 300;
let dir: string;
let marker: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'contain-test-'));
  marker = `gate-escapee-${process.pid}-${Math.random().toString(36).slice(2)}`;
});

afterEach(() => {
  killAll(withMarker(marker));
  rmSync(dir, { recursive: true, force: true });
});

/** Live (not zombie) processes whose command line holds `text`, from /proc (host pids). */
function withMarker(text: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(text)) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

/** A stage that leaves two processes behind: one in a new session, one double-forked (re-parented). */
const escapes = (m: string) =>
  `setsid bash -c 'trap "" TERM; exec -a ${m}-setsid sleep 300' & ` +
  `( (trap '' TERM; exec -a ${m}-fork sleep 300) & ) ; ` +
  `for i in $(seq 100); do [ -n "$(pgrep -f ${m}-setsid)" ] && [ -n "$(pgrep -f ${m}-fork)" ] && break; sleep 0.05; done; echo ready`;

function spec(command: string, extra: Partial<StageSpec> = {}): StageSpec {
  return { id: 'train-candidate', command, cwd: dir, env: childEnv(process.env, {}), logFile: join(dir, 'stage.log'), ...extra };
}

const STRONG: ContainmentKind[] = ['pid-namespace', 'user-pid-namespace', 'subreaper'];

describe.each(STRONG)('containment %s', (kind) => {
  const c = containmentOf(kind);
  const isRoot = process.geteuid?.() === 0;

  it.skipIf(!c)('a setsid grandchild and a double-forked process are stopped when the command ends', async () => {
    const lines: string[] = [];
    const s = createProcessRunner({ containment: c!, graceMs: GRACE }).start(spec(escapes(marker), { onLine: (l) => lines.push(l) }));
    expect(s.containment).toBe(kind);
    const o = await s.done;
    expect(lines).toContain('ready'); // both escapees had started
    expect(o.status).toBe('ok');
    expect(o.reason).toContain('2 process(es) left running after the command ended were stopped');
    expect(withMarker(marker)).toEqual([]);
  });

  it.skipIf(!c)('on cancel, processes in a new session that ignore SIGTERM are stopped within grace + 1 s', async () => {
    const lines: string[] = [];
    const runner = createProcessRunner({ containment: c!, graceMs: GRACE });
    const s = runner.start(spec(`${escapes(marker)}; sleep 300`, { onLine: (l) => lines.push(l) }));
    for (let i = 0; i < 200 && !lines.includes('ready'); i++) await new Promise((r) => setTimeout(r, 25));
    expect(withMarker(marker).length).toBeGreaterThanOrEqual(2); // the escapees (and the command line naming them)
    const t0 = Date.now();
    await runner.cancelAll('the runner sent SIGINT');
    const o = await s.done;
    expect(Date.now() - t0).toBeLessThan(GRACE + 1500);
    expect(o.status).toBe('cancelled');
    expect(withMarker(marker)).toEqual([]);
  });

  it.skipIf(!c)('the command is not the namespace init: kill -TERM $$ still ends it, its status is reported', async () => {
    const o = await createProcessRunner({ containment: c!, graceMs: GRACE }).start(spec('kill -TERM $$; sleep 5')).done;
    expect(o.status).toBe('failed');
    expect(o.reason).toMatch(/SIGTERM/);
  });

  it.skipIf(!c || kind === 'subreaper')('the stage has its own /proc: the gate process is not visible to it', async () => {
    await createProcessRunner({ containment: c!, graceMs: GRACE }).start(
      spec(`ls /proc > ${join(dir, 'seen')}; cat /proc/${process.pid}/environ > ${join(dir, 'env')} 2>&1 || true`),
    ).done;
    const pids = readFileSync(join(dir, 'seen'), 'utf8')
      .split('\n')
      .filter((n) => /^\d+$/.test(n))
      .map(Number);
    expect(pids).not.toContain(process.pid);
    expect(Math.max(...pids)).toBeLessThan(20); // bash init, the command, ls
    expect(readFileSync(join(dir, 'env'), 'utf8')).not.toContain('PATH=');
  });

  it.runIf(!c)(`${kind} is not available here (${isRoot ? 'root' : 'not root'}): detection falls back`, () => {
    expect(detectContainment({ ...process.env, [CONTAINMENT_ENV]: kind }).kind).not.toBe(kind);
  });
});

describe('process group only (no unshare, no python3)', () => {
  it('a setsid grandchild escapes it: why the stronger mechanisms exist, and what the provenance warns about', async () => {
    const o = await createProcessRunner({ containment: containmentOf('process-group')!, graceMs: GRACE }).start(spec(escapes(marker))).done;
    expect(o.status).toBe('ok');
    expect(withMarker(marker).length).toBeGreaterThanOrEqual(1);
  });

  it('detection with no unshare and no python3 on PATH says so', () => {
    const c = detectContainment({ PATH: dir, [CONTAINMENT_ENV]: 'auto' });
    expect(c.kind).toBe('process-group');
    expect(c.note).toMatch(/no unshare on PATH.*no python3 on PATH/);
  });
});
