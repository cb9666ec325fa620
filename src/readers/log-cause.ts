// The common causes of a failed training or evaluation, from the last lines of its log: one short
// phrase ("CUDA out of memory"), for a stage that failed under `run` and for a training log that
// `compare` finds ending without its final metrics. Pure: lines in, a phrase out.

const CAUSES: Array<[RegExp, (m: RegExpMatchArray) => string]> = [
  [/CUDA out of memory|torch\.(?:cuda\.)?OutOfMemoryError|CUDA error: out of memory/i, () => 'CUDA out of memory'],
  [/NCCL.*(?:timeout|timed out)|Watchdog caught collective operation timeout/i, () => 'NCCL timeout'],
  [/error: argument ([^:]+): invalid choice: ('[^']*')/, (m) => `invalid choice ${m[2]} for argument ${m[1]}`],
  [/error: (unrecognized arguments: .*)/, (m) => m[1] as string],
  [/\b([A-Z_][A-Z0-9_]*) (?:is not set|not set|must be set)\b/, (m) => `${m[1]} is not set`],
  [/KeyError: '([A-Z_][A-Z0-9_]*)'/, (m) => `${m[1]} is not set`],
  [/([^\s:'"]*): (?:command not found|No such file or directory)/, (m) => `file not found: ${m[1]}`],
  [/No such file or directory: '([^']+)'/, (m) => `file not found: ${m[1]}`],
  [
    /(?:Connection refused|Name or service not known|Temporary failure in name resolution|ConnectionError)/,
    () => 'network error (connection refused or unknown host)',
  ],
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

/** An exception line: `torch.OutOfMemoryError: CUDA out of memory. Tried to …` (torchrun's rank prefix dropped). */
const EXCEPTION = /(?:^|\]:\s*|Traceback \(most recent call last\):\s*)([A-Za-z_][\w.]*(?:Error|Exception|Interrupt))(?::\s|$)/;

/**
 * "torch.OutOfMemoryError: CUDA out of memory": the exception line that shows the common cause,
 * named by its exception; else the cause alone; else the last exception line (cut); undefined
 * when the lines show neither. torchrun's own ChildFailedError summary after it is passed over.
 */
export function describeCrash(lines: string[]): string | undefined {
  const cause = classifyCause(lines);
  const text = lines.join('\n');
  const causeRe = CAUSES.find(([re]) => re.test(text))?.[0];
  let last: string | undefined;
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = EXCEPTION.exec(lines[i]);
    if (!m) continue;
    if (causeRe && cause && causeRe.test(lines[i])) return `${m[1]}: ${cause}`;
    last ??= lines[i].slice(lines[i].indexOf(m[1]));
  }
  if (cause) return cause;
  return last && (last.length > 160 ? `${last.slice(0, 160)}…` : last);
}
