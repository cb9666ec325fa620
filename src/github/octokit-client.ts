// The one place that builds a GitHub REST client: retry and throttling recipe in one spot
// (after peter-evans/create-pull-request's src/octokit-client.ts), every timing injectable so
// tests run in milliseconds. Never reads process.env: the caller passes GITHUB_API_URL in.
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling, type ThrottlingOptions } from '@octokit/plugin-throttling';
import type { Log } from '../log.js';
import { VERSION } from '../version.js';

/**
 * Statuses the retry plugin must not repeat: @octokit/plugin-retry's own default (client errors
 * that will not get better: 400, 401, 403, 404, 410, 422, 451) plus 429: rate limits belong to the throttling plugin alone, which waits for
 * `x-ratelimit-reset`; letting both retry a 429 would multiply attempts while rate-limited.
 */
export const DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 429, 451] as const;

export interface OctokitClientOptions {
  /** REST API root, e.g. the runner's GITHUB_API_URL. Default https://api.github.com. */
  baseUrl?: string;
  /** Retries of a 5xx or dropped connection (not rate limits). Default 3. */
  retries?: number;
  /**
   * Milliseconds per retry "unit" for both plugins: the n-th 5xx retry waits n² units, a
   * primary rate limit waits (seconds until x-ratelimit-reset + 1) units. Default 1000 (real
   * seconds); tests pass 1.
   */
  retryUnitMs?: number;
  /** Primary rate-limit retries (each honouring the reset time). Default 2. */
  rateLimitRetries?: number;
  /** Give up instead of waiting longer than this for a primary rate limit to reset. Default 120 s. */
  maxRateLimitWaitS?: number;
  /**
   * Space write requests as GitHub asks (1 s between writes, 3 s between notification-raising
   * ones, via the throttling plugin's process-wide queues). Default true; tests turn it off.
   */
  writePacing?: boolean;
  /** Each HTTP request gives up after this long (undici's own header timeout is 300 s). Default 10 s. */
  requestTimeoutMs?: number;
  /**
   * Every request of this client, retries and rate-limit waits included, ends by this long after
   * the client was made: a stalled proxy cannot hold the step. Default 30 s.
   */
  deadlineMs?: number;
  /** Where rate-limit notices go. Octokit's own request logging is dropped (too chatty for CI). */
  log?: Pick<Log, 'info' | 'warn'>;
}

const GateOctokit = Octokit.plugin(retry, throttling);

/** A GitHub REST client with retry (5xx, dropped connections) and rate-limit handling. */
export function createOctokit(token: string, opts: OctokitClientOptions = {}): Octokit {
  const log = opts.log;
  const unit = opts.retryUnitMs ?? 1000;
  const rateLimitRetries = opts.rateLimitRetries ?? 2;
  const maxWait = opts.maxRateLimitWaitS ?? 120;
  const throttle: ThrottlingOptions = {
    retryAfterBaseValue: unit,
    onRateLimit: (retryAfter, options, _octokit, retryCount) => {
      const what = `${options.method} ${options.url}`;
      if (retryCount < rateLimitRetries && retryAfter <= maxWait) {
        log?.info(`GitHub API rate limit hit (${what}); retrying in ${retryAfter} s`);
        return true;
      }
      log?.warn(`GitHub API rate limit hit (${what}); giving up (reset in ${retryAfter} s)`);
      return false;
    },
    // A secondary limit means "slow down": waiting out retry-after here would stall the job for
    // something (a comment) that is not worth it, so warn and let the request fail.
    onSecondaryRateLimit: (retryAfter, options) => {
      log?.warn(`GitHub API secondary rate limit hit (${options.method} ${options.url}); not retrying (retry-after ${retryAfter} s)`);
      return false;
    },
    ...(opts.writePacing === false ? unpacedGroups() : {}),
  };
  return new GateOctokit({
    auth: token,
    request: { fetch: boundedFetch(opts.requestTimeoutMs ?? 10_000, opts.deadlineMs ?? 30_000) },
    baseUrl: opts.baseUrl ?? 'https://api.github.com',
    userAgent: `accuracy-gate/${VERSION}`,
    log: {
      debug: () => {},
      info: () => {},
      warn: (m: string) => log?.info(`octokit: ${m}`),
      error: () => {}, // failures surface as thrown errors; logging them here would double them
    },
    retry: { doNotRetry: [...DO_NOT_RETRY], retries: opts.retries ?? 3, retryAfterBaseValue: unit },
    throttle,
  });
}

/**
 * fetch with two bounds: a per-request timeout (a TimeoutError, which Octokit turns into a 500 the
 * retry plugin may retry) and the client's deadline (an AbortError, which is never retried).
 */
function boundedFetch(requestMs: number, deadlineMs: number): typeof fetch {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DOMException(`GitHub API deadline of ${deadlineMs / 1000} s passed`, 'AbortError')), deadlineMs);
  timer.unref();
  return (input, init) => {
    const signals = [deadline.signal, AbortSignal.timeout(requestMs), ...(init?.signal ? [init.signal] : [])];
    return fetch(input, { ...init, signal: AbortSignal.any(signals) });
  };
}

/**
 * Pass-through stand-ins for the throttling plugin's write/notification queues (it only calls
 * `group.key(id).schedule(options, fn, ...args)`), so tests need not wait 1-3 s per write.
 */
function unpacedGroups(): Pick<ThrottlingOptions, 'write' | 'notifications'> {
  const limiter = {
    schedule: (...args: unknown[]) => {
      const rest = typeof args[0] === 'function' ? args : args.slice(1);
      const [fn, ...fnArgs] = rest as [(...a: unknown[]) => unknown, ...unknown[]];
      return Promise.resolve().then(() => fn(...fnArgs));
    },
  };
  const group = { key: () => limiter } as unknown as NonNullable<ThrottlingOptions['write']>;
  return { write: group, notifications: group };
}
