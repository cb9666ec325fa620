// A progress line per interval while a stage runs. Training runs for hours; the action log must
// show it is alive (and how far along) without echoing every tqdm redraw. Pure apart from the
// injected clock: the caller owns the timer and calls tick().

export interface HeartbeatOptions {
  /** Stage id, shown as "[train-candidate]". */
  stage: string;
  /**
   * What a progress bar counts, shown before "27/80": "step" for a training (the Trainer's bar);
   * an evaluation's bars count questions, judgments or requests, so they are a "progress bar".
   */
  counts?: string;
  intervalMs: number;
  now?: () => number;
  emit: (line: string) => void;
}

export interface Heartbeat {
  /** A progress report: `step` of `total` done; `elapsedSeconds` as the process reports it (tqdm). */
  onProgress(step: number, total: number, elapsedSeconds?: number): void;
  onLoss(step: number, loss: number): void;
  /** Emits one line when at least `intervalMs` passed since the last one (or the start); returns it. */
  tick(): string | undefined;
  /** Later ticks emit nothing. */
  stop(): void;
}

export function createHeartbeat(opts: HeartbeatOptions): Heartbeat {
  const now = opts.now ?? Date.now;
  const startedAt = now();
  let lastEmit = startedAt;
  let stopped = false;
  let progress: { step: number; total: number; elapsed?: number; at: number } | undefined;
  // The first progress report, for a rate from our own clock when the process gives no elapsed time.
  let first: { step: number; at: number } | undefined;
  let loss: { step: number; value: number } | undefined;
  let lastNewAt = startedAt;

  function line(t: number): string {
    const parts: string[] = [];
    const step = progress?.step ?? loss?.step;
    if (step !== undefined) {
      const total = progress && progress.total > 0 ? progress.total : undefined;
      const counts = progress ? (opts.counts ?? 'step') : 'step';
      parts.push(total ? `${counts} ${step}/${total} (${Math.floor((step / total) * 100)} %)` : `${counts} ${step}`);
      if (loss) parts.push(`loss ${formatLoss(loss.value)}`);
      const eta = progress && total ? etaSeconds(progress, total, first, t) : undefined;
      if (eta !== undefined) parts.push(`ETA ${clock(eta, true)}`);
      else parts.push(`${clock((t - startedAt) / 1000)} elapsed`);
    } else {
      parts.push(`no progress reported yet, ${clock((t - startedAt) / 1000)} elapsed`);
    }
    // Nothing new for a whole interval: say so, a hang should be visible in the log.
    if (step !== undefined && t - lastNewAt >= opts.intervalMs) {
      parts.push(`no new progress for ${clock((t - lastNewAt) / 1000)}`);
    }
    return `[${opts.stage}] ${parts.join(', ')}`;
  }

  return {
    onProgress(step, total, elapsedSeconds) {
      if (!Number.isFinite(step)) return;
      const t = now();
      if (!first || step < first.step) first = { step, at: t };
      if (!progress || progress.step !== step || progress.total !== total) lastNewAt = t;
      progress = { step, total, elapsed: elapsedSeconds, at: t };
    },
    onLoss(step, value) {
      lastNewAt = now();
      loss = { step, value };
    },
    tick() {
      if (stopped) return undefined;
      const t = now();
      if (t - lastEmit < opts.intervalMs) return undefined;
      lastEmit = t;
      const text = line(t);
      opts.emit(text);
      return text;
    },
    stop() {
      stopped = true;
    },
  };
}

/** Seconds left, from the process's own elapsed time when given, else from our clock since the first report. */
function etaSeconds(
  p: { step: number; elapsed?: number; at: number },
  total: number,
  first: { step: number; at: number } | undefined,
  t: number,
): number | undefined {
  if (p.step >= total) return 0;
  let perStep: number | undefined;
  if (p.elapsed !== undefined && Number.isFinite(p.elapsed) && p.step > 0) {
    perStep = p.elapsed / p.step;
    // The report may be older than now: subtract the time since it from what is left.
    return Math.max(0, perStep * (total - p.step) - (t - p.at) / 1000);
  }
  if (first && p.step > first.step) {
    perStep = (p.at - first.at) / 1000 / (p.step - first.step);
    return Math.max(0, perStep * (total - p.step) - (t - p.at) / 1000);
  }
  return undefined;
}

function formatLoss(x: number): string {
  if (!Number.isFinite(x)) return String(x).toLowerCase(); // nan, infinity
  return Math.abs(x) >= 1e5 ? x.toExponential(3) : String(Number(x.toPrecision(4)));
}

/** "2:05" (m:ss), or "1:02:05"; `hours` forces "0:00:15" (the ETA style). */
function clock(seconds: number, hours = false): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 || hours ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
