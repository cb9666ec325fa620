// What a cached baseline or evaluation depends on besides the config's own words: the model's
// files, the world size and GPU model it was trained at, every script its commands run, and the judge. Each part
// is a short hash for the key; a part that cannot be read throws, and the caller then neither
// reuses nor writes an entry (a key that cannot be established matches nothing).
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { ArmConfig, Command, MtBenchConfig } from '../../config/types.js';
import { errorMessage } from '../../errors.js';

type Hash = ReturnType<typeof createHash>;

/** Files whose content identifies a model: its config, tokenizer and index JSON, never the weights. */
const MODEL_CONTENT = /\.(json|jsonl|txt|model|yaml|yml)$/i;
/** Content up to this size is hashed; a larger file counts by size and mtime like a weight file. */
const MAX_HASHED = 64 * 1024 * 1024;
/**
 * Words of a script that may name another script or a config it runs or reads. Not `.jsonl`:
 * scripts append their answers and judgments to those, which would change the key every run.
 */
const SCRIPT_WORD = /[\w.\-/]+\.(?:sh|py|json|yaml|yml)\b/g;
/** Command words that are scripts or their configs (not logs or counters the command appends to). */
const SCRIPT_FILE = /\.(?:sh|bash|py|mjs|cjs|js|json|yaml|yml)$/;

const short = (h: Hash) => h.digest('hex').slice(0, 16);

function statOrThrow(file: string, what: string) {
  try {
    return statSync(file);
  } catch (e) {
    throw new Error(`${what} ${file} cannot be read: ${errorMessage(e)}`);
  }
}

function readOrThrow(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new Error(`${file} cannot be read: ${errorMessage(e)}`);
  }
}

/**
 * Identity of a model dir without reading multi-GB weights: every file's relative name, size and
 * mtime (symlinks followed, as a Hugging Face snapshot links to its blobs), and the content of its
 * config, index and tokenizer files. Two models with the same file names and sizes but other
 * weights differ in mtime; a missing or unreadable dir throws.
 */
export function modelIdentity(dir: string): string {
  const h = createHash('sha256');
  if (!statOrThrow(dir, 'the model dir').isDirectory()) throw new Error(`the model dir ${dir} is not a directory`);
  const walk = (d: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch (e) {
      throw new Error(`the model dir ${d} cannot be listed: ${errorMessage(e)}`);
    }
    for (const name of names) {
      // Git's and huggingface_hub's bookkeeping (locks, download metadata) is not the model.
      if (name === '.git' || name === '.cache') continue;
      const full = path.join(d, name);
      const r = path.join(rel, name);
      // A dangling link (a half-removed snapshot, a run's bookkeeping link) is part of the identity
      // by its target's name: nothing to read, nothing that should stop the cache.
      if (!existsSync(full) && lstatSync(full, { throwIfNoEntry: false })?.isSymbolicLink()) {
        h.update(`${r}\0-> ${readlinkSync(full)}\0`);
        continue;
      }
      const st = statOrThrow(full, 'the model file');
      if (st.isDirectory()) walk(full, r);
      else {
        h.update(`${r}\0${st.size}\0${Math.trunc(st.mtimeMs)}\0`);
        if (st.size <= MAX_HASHED && MODEL_CONTENT.test(name)) h.update(readOrThrow(full));
      }
    }
  };
  walk(dir, '');
  return short(h);
}

/**
 * The world size a training runs at: the number of GPUs in its set (arms.<role>.gpus, else the
 * environment's CUDA_VISIBLE_DEVICES, else the GPUs nvidia-smi lists) and the launcher's own
 * variables when the config or the environment sets them. "0" and "0,1,2,3" differ.
 */
export function worldSize(arm: ArmConfig, env: NodeJS.ProcessEnv, gpuIds: string[] | undefined): string {
  const count = (armGpuIds(arm, env) ?? gpuIds)?.length;
  const launcher = ['NPROC_PER_NODE', 'WORLD_SIZE', 'NNODES']
    .map((name) => [name, arm.env[name] ?? env[name]])
    .filter(([, v]) => v !== undefined)
    .map(([n, v]) => `${n}=${v}`);
  return [`gpus=${count ?? 'none listed'}`, ...launcher].join(' ');
}

/** The ids of an arm's GPU set as the config or the environment states it; undefined: every GPU listed. */
function armGpuIds(arm: ArmConfig, env: NodeJS.ProcessEnv): string[] | undefined {
  const visible = arm.gpus ?? env.CUDA_VISIBLE_DEVICES;
  return visible
    ?.split(',')
    .map((g) => g.trim())
    .filter((g) => g !== '');
}

/** One GPU as nvidia-smi lists it (preflight.ts detectGpus): its index, and its model name when the driver printed one. */
export interface GpuInfo {
  index: string;
  name?: string;
}

/** The key's GPU part when nvidia-smi is not there or printed no model name. */
export const GPU_UNKNOWN = 'GPU model unknown';
/** Said by the run and by validate when the key's GPU part is GPU_UNKNOWN. */
export const GPU_UNKNOWN_NOTE = `cache: ${GPU_UNKNOWN} (nvidia-smi is not on PATH, did not answer or printed no name for the baseline's GPUs): the baseline's key holds "${GPU_UNKNOWN}" and matches only entries trained where it was unknown too`;

/**
 * The GPU model(s) a training runs on: the names nvidia-smi gives the GPUs of its set (the same set
 * as worldSize's), each distinct name once, sorted ("NVIDIA H100 80GB HBM3, NVIDIA H200" for a
 * mixed set). The same code and seed on an H200 and an H100 lose 0.26 % apart (docs/reliability.md),
 * so a baseline trained on one model is no baseline for the other. An id that is not an index
 * nvidia-smi lists (a UUID, a MIG id) has the machine's model when all its GPUs share one.
 */
export function gpuModel(arm: ArmConfig, env: NodeJS.ProcessEnv, gpus: GpuInfo[] | undefined): string {
  if (!gpus || gpus.length === 0) return GPU_UNKNOWN;
  const ids = armGpuIds(arm, env) ?? gpus.map((g) => g.index);
  const machine = new Set(gpus.map((g) => g.name));
  const names = new Set<string>();
  for (const id of ids) {
    const name = gpus.find((g) => g.index === id)?.name ?? (machine.size === 1 ? [...machine][0] : undefined);
    if (name === undefined) return GPU_UNKNOWN;
    names.add(name);
  }
  return names.size ? [...names].sort().join(', ') : GPU_UNKNOWN;
}

/**
 * A GPU model read back from a file another run wrote (a cache entry's parts, a run.json that came
 * as an artifact): a plain one-line name, else undefined; "GPU model unknown" is not a model.
 */
export function knownGpuModel(x: unknown): string | undefined {
  return x === GPU_UNKNOWN ? undefined : plainLine(x);
}

/** A text read back from a file another run wrote, if it is plain one-line text of at most 200 characters (trimmed). */
export function plainLine(x: unknown): string | undefined {
  if (typeof x !== 'string') return undefined;
  const t = x.trim();
  return t !== '' && t.length <= 200 && !/[\u0000-\u001f\u007f]/.test(t) ? t : undefined;
}

/** The words of a command that name files: for a shell string, its whitespace-separated words. */
function commandWords(cmd: Command): string[] {
  const words = typeof cmd === 'string' ? cmd.split(/[\s;&|()<>'"`]+/) : [...cmd];
  return words.filter((w) => w !== '' && !w.includes('{') && !w.includes('$') && !w.startsWith('-'));
}

function existingFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Every file the commands run: the command words that are files (relative to the workdir, or
 * absolute), and the files those scripts name in turn (one level: llama.sh's run_clm.py and its
 * JSON config, fastchat.sh's Python). Sorted absolute paths.
 */
export function commandFiles(commands: Command[], workdir: string): string[] {
  const found = new Set<string>();
  const add = (word: string, dir: string): boolean => {
    const p = path.resolve(dir, word);
    if (found.has(p) || !existingFile(p)) return false;
    found.add(p);
    return true;
  };
  const scripts: string[] = [];
  for (const c of commands) {
    for (const w of commandWords(c)) if (SCRIPT_FILE.test(w) && add(w, workdir) && /\.(sh|bash|py)$/.test(w)) scripts.push(path.resolve(workdir, w));
  }
  for (const s of scripts) {
    const text = readOrThrow(s).toString('utf8');
    for (const w of text.match(SCRIPT_WORD) ?? []) add(w, workdir) || add(w, path.dirname(s));
  }
  return [...found].sort();
}

/**
 * The judge: the judgment file's judge model (`<judge>_single.jsonl`), FastChat's judge prompts,
 * reference answers and questions, the llm_judge scripts beside them when the judgment file sits in
 * FastChat's layout (`<llm_judge>/data/<bench>/model_judgment/`), and the values of the judge
 * variables that name a service (URL, tenant, model), never its token.
 */
export function judgeIdentity(mt: MtBenchConfig, workdir: string, env: NodeJS.ProcessEnv): string {
  const h = createHash('sha256');
  const judgments = path.resolve(workdir, mt.judgments);
  const judge = path.basename(judgments).replace(/_(single|pair)\.jsonl$/, '');
  h.update(`judge=${judge}\0`);
  const bench = path.dirname(path.dirname(judgments));
  const llmJudge = path.dirname(path.dirname(bench));
  const files = [
    path.resolve(workdir, mt.questions),
    path.join(bench, 'reference_answer', `${judge}.jsonl`),
    path.join(path.dirname(bench), 'judge_prompts.jsonl'),
  ];
  if (path.basename(path.dirname(judgments)) === 'model_judgment' && existsSync(llmJudge)) {
    for (const name of readdirSync(llmJudge).sort()) if (name.endsWith('.py')) files.push(path.join(llmJudge, name));
  }
  hashFiles(h, files, workdir);
  for (const name of [...new Set([...mt.requiresEnv, ...Object.keys(mt.env)])].sort()) {
    if (/TOKEN|KEY|SECRET|PASS/i.test(name) || !/URL|BASE|ENDPOINT|HOST|MODEL|JUDGE|TENANT|DEPLOY/i.test(name)) continue;
    h.update(`${name}=${mt.env[name] ?? env[name] ?? '(unset)'}\0`);
  }
  return short(h);
}

/**
 * Names and contents of files; a missing file counts as "missing", an unreadable one throws. Names
 * inside `base` (the workdir) count relative to it, so that another checkout of the same files
 * gives the same key.
 */
export function hashFiles(h: Hash, files: string[], base?: string): void {
  for (const f of files) {
    const rel = base ? path.relative(base, f) : f;
    h.update(`${base && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : f}\0`);
    if (!existsSync(f)) {
      h.update('missing\0');
      continue;
    }
    const st = statOrThrow(f, 'the file');
    if (!st.isFile()) h.update('not a file\0');
    else if (st.size > MAX_HASHED) h.update(`${st.size}\0${Math.trunc(st.mtimeMs)}\0`);
    else h.update(readOrThrow(f));
  }
}

/** hashFiles as a short hex part of a key. */
export function filesPart(files: string[], base?: string): string {
  const h = createHash('sha256');
  hashFiles(h, files, base);
  return short(h);
}
