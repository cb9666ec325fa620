// A stage's output: raw bytes appended to its log file (with backpressure, so a 1 GB log never
// sits in memory) and lines handed to the callbacks.
import { appendFileSync, createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { errorMessage } from '../errors.js';
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
  /** Hands on the last unfinished line. */
  end(): void;
}

/**
 * Reads the child's pipes: redacted bytes to `log`, raw lines to `onLine` (the loss parser) and
 * redacted lines to `onShown` (the console). One splitter per pipe so two pipes never splice
 * mid-line (the child writes stderr into stdout, see child-command.ts, so the second pipe only
 * carries what the shell says before that). The shown lines are split from the redacted stream,
 * not redacted line by line: a secret cut by the long-line split (or by a slow writer) never
 * reaches the console in two halves.
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
  const shown = sources.map(() => (onShown ? createLineSplitter(onShown) : undefined));
  const splitters = sources.map((source, i) => {
    const splitter = createLineSplitter(onLine);
    const redactor = redactors[i];
    source.on('data', (chunk: Buffer) => {
      splitter.push(chunk);
      const clean = redactor ? redactor.push(chunk) : chunk;
      shown[i]?.push(clean);
      if (log && !log.destroyed && !log.write(clean) && !paused) {
        paused = true;
        for (const s of sources) s.pause();
        log.once('drain', () => {
          paused = false;
          for (const s of sources) s.resume();
        });
      }
    });
    source.on('error', () => {}); // a read error ends the pipe; 'close' follows
    source.on('close', () => {
      if (--openPipes === 0) resolveClosed();
    });
    return splitter;
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
    end: () => {
      for (const s of splitters) s.end();
      redactors.forEach((r, i) => {
        const rest = r?.end();
        if (rest?.length) {
          shown[i]?.push(rest);
          if (log && !log.destroyed) log.write(rest);
        }
        shown[i]?.end();
      });
    },
  };
}

/** A line longer than this (no \n or \r in sight) is handed on in pieces: memory stays bounded. */
const MAX_LINE = 64 * 1024;

/**
 * Splits a byte stream into lines on \n, \r\n and \r (tqdm redraws its bar with \r), decoding
 * UTF-8 across chunk boundaries. Empty lines are skipped.
 */
function createLineSplitter(emit: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let afterCR = false; // the last chunk ended in \r: a leading \n completes a \r\n pair
  const feed = (text: string): void => {
    if (afterCR && text.startsWith('\n')) text = text.slice(1);
    if (text.length === 0) return;
    afterCR = text.endsWith('\r');
    const pieces = (partial + text).split(/\r\n|\r|\n/);
    partial = pieces.pop() ?? '';
    for (const line of pieces) if (line) emit(line);
    while (partial.length > MAX_LINE) {
      emit(partial.slice(0, MAX_LINE));
      partial = partial.slice(MAX_LINE);
    }
  };
  return {
    push: (chunk) => feed(decoder.write(chunk)),
    end: () => {
      feed(decoder.end());
      if (partial) emit(partial);
      partial = '';
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
