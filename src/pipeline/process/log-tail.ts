// Why a stage failed, where people look: the last lines of its log (bounded, ANSI colours and tqdm
// redraws stripped) and, when those lines show a common cause, one short phrase naming it.
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';

export const TAIL_LINES = 30;
/** Bytes read from the end of the log: a 1 GB log costs the same as a small one. */
const TAIL_BYTES = 64 * 1024;
/** A single line longer than this is cut (a JSON blob, a progress bar without \r). */
const MAX_LINE = 300;

// CSI sequences (colours, cursor moves) and OSC sequences (titles, links).
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

/** The last `max` meaningful lines of `text`: per \n line only what a terminal shows after its last \r. */
export function tailLines(text: string, max = TAIL_LINES): string[] {
  const out: string[] = [];
  for (const raw of text.replace(ANSI, '').split('\n')) {
    const shown =
      raw
        .split('\r')
        .filter((p) => p.trim() !== '')
        .pop() ?? '';
    const line = shown.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trimEnd();
    if (line.trim() === '') continue;
    out.push(line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line);
  }
  return out.slice(-max);
}

/**
 * The tail of a log file (undefined when it cannot be read), `redact`ed before its lines are cut
 * to length: a secret the stage wrote into its log file itself (bypassing the redacting pipe) is
 * never kept in part at the cut.
 */
export function readLogTail(file: string, max = TAIL_LINES, redact: (text: string) => string = (t) => t): string[] | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const len = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    let text = buf.toString('utf8');
    // Started mid-file: the first line is partial.
    if (size > len) text = text.slice(text.indexOf('\n') + 1);
    return tailLines(redact(text), max).map(redact);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export { classifyCause } from '../../readers/log-cause.js';
