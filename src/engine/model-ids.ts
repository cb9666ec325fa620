// MT-Bench model ids: which of the ids in FastChat's judgment files is a target's, and the
// window of time a run dir's evaluations were written in. Reads directory names only.
import * as path from 'node:path';
import { readdirSync, realpathSync } from 'node:fs';
import type { ArmRole, ModelIdPick, Problem, Role } from '../model.js';
import type { JudgmentRow } from '../readers/mtbench.js';

/** `YYYYmmdd_HHMMSS` (date +%Y%m%d_%H%M%S, as run.sh and fastchat.sh write it) → a sortable number, or undefined. */
export function parseStamp(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [, , mo, d, h, mi, se] = m.map(Number) as number[];
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59 || se! > 60) return undefined;
  return Number(text.replace('_', ''));
}

/** The ids fastchat.sh could have written for `dir`, and the rule that chose among them. */
export interface IdPick {
  id?: string;
  /** Ids of the exact form inside the time window, oldest first. */
  candidates: string[];
  /** Ids that start with the dir's name but are not of the form (e.g. llama.sh's `Llama-3.2-1B_torch_…`). */
  others: string[];
  rule: string;
  /** " written from … (the run dir's time)" when a window applied, else "". */
  span: string;
}

/**
 * The time window a run dir's evaluations were written in: run.sh makes `result/<ts>/torch_ckpt`
 * before it evaluates, so an id older than `<ts>` (or as new as the next run's `<ts>`) is another
 * run's. No window when the parent is not named like a timestamp.
 */
export function runWindow(dir: string): { from: number; to?: number } | undefined {
  const parent = path.dirname(path.resolve(dir));
  const from = parseStamp(path.basename(parent));
  if (from === undefined) return undefined;
  let to: number | undefined;
  try {
    for (const name of readdirSync(path.dirname(parent))) {
      const t = parseStamp(name);
      if (t !== undefined && t > from && (to === undefined || t < to)) to = t;
    }
  } catch {
    // An unreadable result/ only loses the upper bound.
  }
  return to === undefined ? { from } : { from, to };
}

/**
 * The model id of a target when none was given. TorchAcc's fastchat.sh names it exactly
 * `<basename(dir)>_<YYYYmmdd_HHMMSS>`; anything else with that prefix (llama.sh's default output dir
 * `Llama-3.2-1B_torch_…` next to the model `Llama-3.2-1B`) is another model. Newest by the parsed
 * timestamp within `window` when given (a re-evaluation of the same checkpoint supersedes the first).
 */
export function pickModelId(rows: JudgmentRow[], dir: string, window?: { from: number; to?: number }): IdPick {
  const base = path.basename(path.resolve(dir));
  const prefix = `${base}_`;
  const ids = [...new Set(rows.map((r) => r.model))].filter((m) => m.startsWith(prefix));
  const stamped = ids.map((id) => ({ id, t: parseStamp(id.slice(prefix.length)) })).filter((x): x is { id: string; t: number } => x.t !== undefined);
  const others = ids.filter((id) => !stamped.some((x) => x.id === id));
  const inWindow = stamped.filter((x) => !window || (x.t >= window.from && (window.to === undefined || x.t < window.to)));
  inWindow.sort((a, b) => a.t - b.t);
  const candidates = inWindow.map((x) => x.id);
  const form = `${base}_<YYYYmmdd_HHMMSS>`;
  const stamp = (t: number) => String(t).replace(/^(\d{8})/, '$1_');
  const span = window ? ` written from ${stamp(window.from)}${window.to ? ` to before ${stamp(window.to)}` : ''} (the run dir's time)` : '';
  const rule = candidates.length > 1 ? `newest of ${candidates.length} ids ${form}${span}: ${candidates.join(', ')}` : `the id ${form}${span}`;
  return { id: candidates.at(-1), candidates, others, rule, span };
}

export type Picked = { id: string; idPick: ModelIdPick };

/** Each target's model id: given, or picked from the rows (pickModelId); no pick is a Problem. */
export function pickIds(
  rows: JudgmentRow[],
  dirs: Partial<Record<Role, string>>,
  given: Partial<Record<Role, string>>,
  where: string,
  problems: Problem[],
): Partial<Record<Role, Picked>> {
  const out: Partial<Record<Role, Picked>> = {};
  // The original model is evaluated by the same run.sh as the arms: the baseline dir's window is its.
  const armWindow = dirs.baseline ? runWindow(dirs.baseline) : undefined;
  for (const role of ['original', 'baseline', 'candidate'] as const) {
    const explicit = given[role];
    if (explicit) {
      out[role] = { id: explicit, idPick: { how: 'given' } };
      continue;
    }
    const dir = dirs[role];
    // The original model is optional; the arms are not once MT-Bench files were given.
    if (!dir) {
      if (role !== 'original') problems.push({ source: where, message: `no MT-Bench model id for ${role}: pass --${role}-model-id` });
      continue;
    }
    let pick = pickModelId(rows, dir, runWindow(dir) ?? (role === 'original' ? armWindow : undefined));
    // The original is reported, not gated: an evaluation from before the arms' run still shows (the rule says so).
    if (!pick.id && role === 'original' && !runWindow(dir)) pick = pickModelId(rows, dir);
    if (!pick.id) {
      const base = path.basename(path.resolve(dir));
      const near = pick.others.length ? `; not of that form, so not this dir's: ${pick.others.slice(0, 5).join(', ')}` : '';
      problems.push({
        source: where,
        message: `no MT-Bench model id for ${role}: pass --${role}-model-id (no id ${base}_<YYYYmmdd_HHMMSS> in ${where}${pick.span}${near})`,
      });
      continue;
    }
    out[role] = { id: pick.id, idPick: { how: 'picked', candidates: pick.candidates, rule: pick.rule } };
  }
  // Two targets whose dirs share a name cannot be told apart by the id: refuse rather than score one twice.
  const roles = Object.keys(out) as Role[];
  for (const [i, a] of roles.entries()) {
    for (const b of roles.slice(i + 1)) {
      const pa = out[a];
      const pb = out[b];
      if (!pa || !pb || pa.id !== pb.id || (pa.idPick.how === 'given' && pb.idPick.how === 'given')) continue;
      // One dir for both (a run compared with itself): the same id is right, and a warning says so.
      if (dirs[a] && dirs[b] && sameDir(dirs[a], dirs[b])) continue;
      const candidates = [...new Set([...(pa.idPick.candidates ?? [pa.id]), ...(pb.idPick.candidates ?? [pb.id])])];
      problems.push({
        source: where,
        message: `ambiguous MT-Bench model id: ${a} and ${b} both match ${candidates.join(', ')} (their dirs have the same name): pass --${a}-model-id and --${b}-model-id`,
      });
      delete out[a];
      delete out[b];
    }
  }
  return out;
}

function sameDir(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}

/** Both arms read from one directory compare a run with itself: PASS says nothing then. */
export function sameDirWarning(runs: Partial<Record<ArmRole, string>>): string[] {
  const { baseline, candidate } = runs;
  if (!baseline || !candidate || !sameDir(baseline, candidate)) return [];
  return [`the baseline and the candidate are the same directory (${path.resolve(baseline)}): this compares a run with itself`];
}
