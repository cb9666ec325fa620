// Cancellation flows from the entry point's signal handlers into the running stages.

/**
 * Signals that stop a run: every stage tree ended, the partial result written, the lock released.
 * SIGHUP (the terminal or ssh session closed) would otherwise kill node at once.
 */
export const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
export interface CancelSignal {
  readonly cancelled: boolean;
  readonly reason: string | undefined;
  /** Runs `cb` once on cancel (at once if already cancelled). */
  onCancel(cb: (reason: string) => void): void;
}

export interface CancelController extends CancelSignal {
  cancel(reason: string): void;
}

export function createCancelController(): CancelController {
  let reason: string | undefined;
  const callbacks: ((reason: string) => void)[] = [];
  return {
    get cancelled() {
      return reason !== undefined;
    },
    get reason() {
      return reason;
    },
    onCancel(cb) {
      if (reason !== undefined) cb(reason);
      else callbacks.push(cb);
    },
    cancel(r) {
      if (reason !== undefined) return;
      reason = r;
      for (const cb of callbacks.splice(0)) cb(r);
    },
  };
}
