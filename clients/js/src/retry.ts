/** How failed requests are retried: exponential backoff with full jitter, at most `maxRetries` times. */
export interface RetryOptions {
  /** Retries after the first attempt; 0 turns retrying off. Default 4. */
  maxRetries?: number;
  /** The first backoff's upper bound; each retry doubles it. Default 200 ms. */
  baseDelayMs?: number;
  /** No backoff is longer than this. Default 10 s. */
  maxDelayMs?: number;
  /** A `Retry-After` longer than this is not waited for: the answer is returned as it is. Default 60 s. */
  maxRetryAfterMs?: number;
}

export type FetchFunction = (request: Request) => Promise<Response>;

const DEFAULTS: Required<RetryOptions> = { maxRetries: 4, baseDelayMs: 200, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 };

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * Whether a request may be sent again after the server may have acted on it (a 5xx, a dropped
 * connection): methods that are idempotent by HTTP's definition, and event ingestion, which is
 * idempotent by event id (the server stores an id once and counts a repeat as a duplicate).
 */
export function isIdempotent(request: Request): boolean {
  if (IDEMPOTENT_METHODS.has(request.method)) return true;
  return request.method === 'POST' && new URL(request.url).pathname.endsWith('/v1/events');
}

/** Milliseconds a `Retry-After` header asks for (seconds or an HTTP date); null when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** Full jitter (uniform in [0, min(max, base·2^retry)]): clients that failed together do not retry together. */
export function backoffMs(
  retry: number,
  options: Pick<Required<RetryOptions>, 'baseDelayMs' | 'maxDelayMs'>,
  random = Math.random,
): number {
  return random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Wraps `fetch` so that a 429 is retried for every request (the rate limit refuses a request before any
 * handler runs), and a 5xx or a network error only for idempotent ones (`isIdempotent`). A 429 or 503 with
 * `Retry-After` waits what it asks, plus up to one base delay of jitter; other failures back off exponentially.
 */
export function retryingFetch(options: RetryOptions = {}, fetchImpl: FetchFunction = (r) => globalThis.fetch(r)): FetchFunction {
  const o = { ...DEFAULTS, ...options };
  return async (request) => {
    for (let retry = 0; ; retry++) {
      const last = retry >= o.maxRetries;
      // Each attempt sends a copy: a body can be read only once.
      const attempt = last ? request : request.clone();
      let response: Response;
      try {
        response = await fetchImpl(attempt);
      } catch (error) {
        if (last || !isIdempotent(request)) throw error;
        await sleep(backoffMs(retry, o));
        continue;
      }
      const retriable = response.status === 429 || (response.status >= 500 && isIdempotent(request));
      if (last || !retriable) return response;
      const asked = retryAfterMs(response.headers.get('retry-after'));
      if (asked !== null && asked > o.maxRetryAfterMs) return response;
      await response.body?.cancel();
      await sleep(asked === null ? backoffMs(retry, o) : asked + Math.random() * o.baseDelayMs);
    }
  };
}
