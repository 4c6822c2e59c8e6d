/**
 * What stands between one client and the whole of local mode, as in AWS:
 *  - the per-caller rate limit the deployed web ACL applies (a WAF rate-based rule keyed on the
 *    Authorization header: at most `limit` requests in any `windowSeconds`, then 429 until the rate
 *    falls below it again);
 *  - a cap on each function's concurrent invocations with a bounded queue, standing in for Lambda's
 *    execution environments: a burst waits its turn instead of piling into one sandbox past the
 *    function timeout, and past the queue it is answered 429 at once.
 */
import { createHash } from 'node:crypto';

export interface RateLimit {
  /** Requests allowed per window and key. */
  limit: number;
  windowSeconds: number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/** Past this many keys, keys with no request in the window are forgotten. */
const PRUNE_AT_KEYS = 10_000;

/** A sliding-window counter per key (the key is hashed: Authorization headers are not kept). */
export function createRateLimiter(options: RateLimit, now: () => number = Date.now) {
  const windowMs = options.windowSeconds * 1000;
  const seen = new Map<string, number[]>();

  const prune = (at: number) => {
    for (const [key, times] of seen) if ((times.at(-1) ?? 0) <= at - windowMs) seen.delete(key);
  };

  return function take(key: string): RateDecision {
    const at = now();
    const id = createHash('sha256').update(key).digest('base64url');
    const times = (seen.get(id) ?? []).filter((time) => time > at - windowMs);
    if (times.length >= options.limit) {
      seen.set(id, times);
      // The oldest request in the window leaves it first; then there is room for one more.
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(((times[0] as number) + windowMs - at) / 1000)) };
    }
    times.push(at);
    seen.set(id, times);
    if (seen.size > PRUNE_AT_KEYS) prune(at);
    return { ok: true };
  };
}

export interface ConcurrencyLimit {
  /** Invocations of one function running at once. */
  perFunction: number;
  /** Invocations of one function waiting for a turn; one more is refused. */
  queue: number;
}

export type Release = () => void;

/** Per key (a function), at most `perFunction` holders; up to `queue` waiters in arrival order. */
export function createConcurrencyLimiter(options: ConcurrencyLimit) {
  const running = new Map<string, number>();
  const waiting = new Map<string, Array<(release: Release) => void>>();

  const releaser = (key: string): Release => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = waiting.get(key)?.shift();
      if (next) next(releaser(key));
      else running.set(key, (running.get(key) ?? 1) - 1);
    };
  };

  /** A release function once it is `key`'s turn; `full` when the queue is; rejects if `signal` aborts first. */
  return function acquire(key: string, signal: AbortSignal): Promise<Release> | 'full' {
    if ((running.get(key) ?? 0) < options.perFunction) {
      running.set(key, (running.get(key) ?? 0) + 1);
      return Promise.resolve(releaser(key));
    }
    const queue = waiting.get(key) ?? [];
    if (queue.length >= options.queue) return 'full';
    waiting.set(key, queue);
    return new Promise<Release>((resolve, reject) => {
      const take = (release: Release) => {
        signal.removeEventListener('abort', onAbort);
        resolve(release);
      };
      const onAbort = () => {
        const index = queue.indexOf(take);
        if (index >= 0) queue.splice(index, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      queue.push(take);
    });
  };
}
