// Why a stage failed, where people look: the last lines of its log (bounded, ANSI colours and tqdm
// redraws stripped) and, when those lines show a common cause, one short phrase naming it.
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';

export const TAIL_LINES = 30;
/** Bytes read from the end of the log: a 1 GB log costs the same as a small one. */
const TAIL_BYTES = 64 * 1024;
/** A single line longer than this is cut (a JSON blob, a progress bar without \r). */
const MAX_LINE = 300;

// CSI sequences (colours, cursor moves) and OSC sequences (titles, links).
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

/** The last `max` meaningful lines of `text`: per \n line only what a terminal shows after its last \r. */
export function tailLines(text: string, max = TAIL_LINES): string[] {
  const out: string[] = [];
  for (const raw of text.replace(ANSI, '').split('\n')) {
    const shown = raw.split('\r').filter((p) => p.trim() !== '').pop() ?? '';
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

const CAUSES: Array<[RegExp, (m: RegExpMatchArray) => string]> = [
  [/CUDA out of memory|torch\.(?:cuda\.)?OutOfMemoryError|CUDA error: out of memory/i, () => 'CUDA out of memory'],
  [/NCCL.*(?:timeout|timed out)|Watchdog caught collective operation timeout/i, () => 'NCCL timeout'],
  [/error: argument ([^:]+): invalid choice: ('[^']*')/, (m) => `invalid choice ${m[2]} for argument ${m[1]}`],
  [/error: (unrecognized arguments: .*)/, (m) => m[1] as string],
  [/\b([A-Z_][A-Z0-9_]*) (?:is not set|not set|must be set)\b/, (m) => `${m[1]} is not set`],
  [/KeyError: '([A-Z_][A-Z0-9_]*)'/, (m) => `${m[1]} is not set`],
  [/([^\s:'"]*): (?:command not found|No such file or directory)/, (m) => `file not found: ${m[1]}`],
  [/No such file or directory: '([^']+)'/, (m) => `file not found: ${m[1]}`],
  [/(?:Connection refused|Name or service not known|Temporary failure in name resolution|ConnectionError)/, () => 'network error (connection refused or unknown host)'],
];

/**
 * One short phrase for the common causes, or undefined. The most specific causes win over a
 * Python traceback's last line, which is the fallback when the tail holds a traceback.
 */
export function classifyCause(lines: string[]): string | undefined {
  const text = lines.join('\n');
  for (const [re, phrase] of CAUSES) {
    const m = text.match(re);
    if (m) return phrase(m);
  }
  let tb = -1;
  lines.forEach((l, i) => {
    if (l.startsWith('Traceback (most recent call last)')) tb = i;
  });
  if (tb >= 0) {
    // The exception line: the first unindented line after the frames.
    const last = lines.slice(tb + 1).find((l) => /^[A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit)\b/.test(l));
    if (last) return last.length > 160 ? `${last.slice(0, 160)}…` : last;
  }
  return undefined;
}
