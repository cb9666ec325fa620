// A stage's output: raw bytes appended to its log file (with backpressure, so a 1 GB log never
// sits in memory) and lines handed to the callbacks.
import { appendFileSync, createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { errorMessage } from '../../errors.js';
import { LineSplitter } from '../../readers/log-lines.js';
import { createStreamRedactor } from './redact.js';

export function openLog(path: string, notes: string[]): WriteStream | undefined {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const log = createWriteStream(path, { flags: 'a' });
    log.on('error', (e) => notes.push(`log file ${path} not written: ${errorMessage(e)}`));
    return log;
  } catch (e) {
    notes.push(`log file ${path} not written: ${errorMessage(e)}`);
    return undefined;
  }
}

/** A line of our own in the stage log, so a stage that never ran still leaves a log saying why. */
export function note(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    appendFileSync(path, `[accuracy-gate] ${text}\n`);
  } catch {
    // the outcome carries the reason anyway
  }
}

export interface StageOutput {
  /** Resolves when every pipe closed. */
  closed: Promise<void>;
  /** Cuts off pipes that stay open (a process that left the group holds them). */
  destroy(): void;
  /**
   * Hands on what the redactors still hold and the last unfinished lines; `trailer` (the gate's
   * own closing note) is appended to the log and parsed like the rest, so the parsed lines are
   * the log's lines to the end.
   */
  end(trailer?: string): void;
}

/** The console shows a long line in pieces of this length (the GitHub log viewer, a terminal). */
const SHOWN_LINE = 64 * 1024;

/** Bytes decoded as UTF-8 across chunk boundaries, then split into lines by the one LineSplitter. */
function lineStream(emit: (line: string) => void, maxLine?: number): { push(bytes: Buffer): void; end(): void } {
  const decoder = new StringDecoder('utf8');
  const splitter = new LineSplitter(maxLine);
  const lines = (list: string[]) => {
    for (const line of list) emit(line);
  };
  return {
    push: (bytes) => lines(splitter.push(decoder.write(bytes))),
    end: () => {
      lines(splitter.push(decoder.end()));
      lines(splitter.flush());
    },
  };
}

/**
 * Reads the child's pipes: redacted bytes to `log`, the log's lines to `onLine` (the loss parser)
 * and per pipe, without empty lines, to `onShown` (the console). `onLine` is split from exactly
 * the bytes the log gets, in the order it gets them, by the splitter the saved log is read with
 * (readers/log-lines.ts): the live parse and the final read of the log see the same lines. The
 * console gets one splitter per pipe so two pipes never splice mid-line on screen (the child
 * writes stderr into stdout, see child-command.ts, so the second pipe only carries what the shell
 * says before that). Both are split from the redacted stream: a secret cut by the long-line split
 * (or by a slow writer) never reaches the console in two halves.
 */
export function readOutput(
  sources: Readable[],
  log: WriteStream | undefined,
  onLine: (line: string) => void,
  secrets?: string[],
  onShown?: (line: string) => void,
): StageOutput {
  let paused = false;
  let openPipes = sources.length;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  if (openPipes === 0) resolveClosed();
  // Secrets never reach the log file, not even while the stage still runs.
  const redactors = sources.map(() => (secrets?.length ? createStreamRedactor(secrets) : undefined));
  const shown = sources.map(() => (onShown ? lineStream((line) => void (line && onShown(line)), SHOWN_LINE) : undefined));
  const parsed = lineStream(onLine);
  const toLog = (clean: Buffer): void => {
    parsed.push(clean);
    if (log && !log.destroyed && !log.write(clean) && !paused) {
      paused = true;
      for (const s of sources) s.pause();
      log.once('drain', () => {
        paused = false;
        for (const s of sources) s.resume();
      });
    }
  };
  sources.forEach((source, i) => {
    const redactor = redactors[i];
    source.on('data', (chunk: Buffer) => {
      const clean = redactor ? redactor.push(chunk) : chunk;
      shown[i]?.push(clean);
      toLog(clean);
    });
    source.on('error', () => {}); // a read error ends the pipe; 'close' follows
    source.on('close', () => {
      if (--openPipes === 0) resolveClosed();
    });
  });
  // A broken log must not stall the child on a full pipe.
  log?.on('error', () => {
    if (paused) for (const s of sources) s.resume();
    paused = false;
  });
  return {
    closed,
    destroy: () => {
      for (const s of sources) s.destroy();
    },
    end: (trailer) => {
      redactors.forEach((r, i) => {
        const rest = r?.end();
        if (rest?.length) {
          shown[i]?.push(rest);
          toLog(rest);
        }
        shown[i]?.end();
      });
      if (trailer) toLog(Buffer.from(trailer, 'utf8'));
      parsed.end();
    },
  };
}

/** Waits for `p` at most `ms`; true when it settled in time. Clears its timer so node can exit at once. */
export async function within(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
