// The layering the README's "Layout" describes, checked on the import statements of src/: which
// folder may import which, and the size limit of a module. .ci/run's madge check covers circles
// between files; this covers the direction between folders, which madge does not know.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const SRC = path.resolve(import.meta.dirname, '..', 'src');
const MAX_LINES = 300;
/** Modules over the limit, each with the work that splits it; an entry that is no longer over fails. */
const OVER_LIMIT: Record<string, string> = {
  // A module allowed over the limit for now, with why (none today).
};

/**
 * What each folder may import besides itself and the shared leaves (model, errors, constants, log,
 * glob, version, atomic-file, probe-model). Lower layers never import higher ones: readers and checks know nothing of
 * processes, the pipeline nothing of GitHub, and only the two front ends (action, cli) wire it all.
 */
const MAY_IMPORT: Record<string, string[]> = {
  readers: [],
  checks: [],
  report: ['checks'],
  config: ['checks'],
  history: ['checks'],
  engine: ['readers', 'checks', 'config', 'report'],
  pipeline: ['readers', 'checks', 'config', 'report', 'engine', 'history'],
  github: ['readers'],
  // A/A calibration runs the checks over pairs of runs and, for --repeat, the pipeline.
  calibrate: ['readers', 'checks', 'config', 'report', 'engine', 'history', 'pipeline'],
  cli: ['readers', 'checks', 'config', 'report', 'engine', 'history', 'pipeline', 'calibrate'],
  action: ['readers', 'checks', 'config', 'report', 'engine', 'history', 'pipeline', 'github'],
};
const LEAVES = [
  'model.ts',
  'model-evaluations.ts',
  'model-setup.ts',
  'errors.ts',
  'constants.ts',
  'log.ts',
  'glob.ts',
  'version.ts',
  'atomic-file.ts',
  'probe-model.ts',
];
/**
 * The rooms of src/pipeline, lowest first, and which other rooms each may import: process (running the
 * PR's code: spawn, containment, signals, redaction), store (what outlives a run: cache, GPU lock),
 * plan (what will run where, checked before anything starts), stages (running them and keeping
 * what they produce). The gate's top (run-gate, session, check-run, progress) may import every room;
 * no room imports the top.
 */
const PIPELINE_ROOMS: Record<string, string[]> = {
  process: [],
  store: ['process'],
  plan: ['process', 'store'],
  stages: ['process', 'store', 'plan'],
};
const PIPELINE_TOP = ['run-gate.ts', 'session.ts', 'check-run.ts', 'progress.ts'];
const ENTRIES: Record<string, string> = { 'index.ts': 'action', 'post.ts': 'action', 'cli.ts': 'cli' };

function modules(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return modules(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path.relative(SRC, full)] : [];
  });
}
const top = (rel: string) => (rel.includes(path.sep) ? rel.split(path.sep)[0]! : rel);

describe('src/ layering', () => {
  const files = modules();

  it('every folder and top-level file is known to the layering', () => {
    for (const f of files) {
      const t = top(f);
      if (f.includes(path.sep)) expect(Object.keys(MAY_IMPORT), `folder src/${t}`).toContain(t);
      else expect([...LEAVES, ...Object.keys(ENTRIES)], `module src/${f}`).toContain(f);
    }
  });

  it('imports go downward only', () => {
    const wrong: string[] = [];
    for (const f of files) {
      const from = f.includes(path.sep) ? top(f) : (ENTRIES[f] ?? f);
      const text = readFileSync(path.join(SRC, f), 'utf8');
      for (const m of text.matchAll(/^(?:import|export)[^'"]*?from\s+'(\.[^']+)'/gm)) {
        const target = path.relative(SRC, path.resolve(path.dirname(path.join(SRC, f)), m[1]!)).replace(/\.js$/, '.ts');
        const to = top(target);
        if (to === from || LEAVES.includes(to) || (MAY_IMPORT[from] ?? []).includes(to)) continue;
        if (ENTRIES[f] === to) continue;
        wrong.push(`src/${f} imports src/${target} (${from} may not import ${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('src/pipeline: every file is in a room or the top, and rooms import downward only', () => {
    const inPipeline = files.filter((f) => top(f) === 'pipeline').map((f) => f.split(path.sep).slice(1));
    const wrong: string[] = [];
    for (const parts of inPipeline) {
      const room = parts.length > 1 ? parts[0]! : null;
      if (room === null ? !PIPELINE_TOP.includes(parts[0]!) : !(room in PIPELINE_ROOMS) || parts.length > 2) {
        wrong.push(`src/pipeline/${parts.join('/')} is in no known room`);
        continue;
      }
      if (room === null) continue;
      const file = path.join(SRC, 'pipeline', ...parts);
      for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*?from\s+'(\.[^']+)'/gm)) {
        const target = path.relative(path.join(SRC, 'pipeline'), path.resolve(path.dirname(file), m[1]!));
        if (target.startsWith('..')) continue; // outside the pipeline: the folder layering above
        const to = target.includes(path.sep) ? target.split(path.sep)[0]! : 'the top';
        if (to !== room && !PIPELINE_ROOMS[room]!.includes(to))
          wrong.push(`src/pipeline/${parts.join('/')} imports src/pipeline/${target} (${room} may not import ${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it(`no module is over ${MAX_LINES} lines`, () => {
    const over = files.filter((f) => readFileSync(path.join(SRC, f), 'utf8').split('\n').length - 1 > MAX_LINES);
    expect(
      over.filter((f) => !(f in OVER_LIMIT)),
      'modules over the limit',
    ).toEqual([]);
    for (const f of Object.keys(OVER_LIMIT)) expect(over, `${f} is no longer over the limit: drop it from OVER_LIMIT`).toContain(f);
  });
});
