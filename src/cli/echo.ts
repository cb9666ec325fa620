// --verbose: every output line of every stage on the console, prefixed with the stage, except the
// redraws of a tqdm progress bar (hundreds per minute): at most one every 10 s per stage, and the
// last one (100 %). The stage logs in the result dir always get every line.

/** A tqdm bar line: " 45%|████▌     | 180/400 [00:12<00:15, 14.2it/s]". */
const TQDM = /\d+%\|[^|]*\|\s*\d+\/\d+/;

export function verboseEcho(write: (s: string) => void, now: () => number = Date.now, everyMs = 10_000): (line: string, stage?: string) => void {
  const lastBar = new Map<string, number>();
  return (line, stage = 'stage') => {
    // tqdm clears its bar with a line of spaces before each log line: nothing to show.
    if (line.trim() === '') return;
    if (TQDM.test(line)) {
      const done = /\b100%\|/.test(line);
      const t = now();
      const last = lastBar.get(stage);
      if (!done && last !== undefined && t - last < everyMs) return;
      lastBar.set(stage, t);
    }
    write(`[${stage}] ${line}\n`);
  };
}
