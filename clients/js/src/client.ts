import createClient, { type Client } from 'openapi-fetch';
import { EventBatcher, type BatchOptions, type BatchResult } from './batcher.js';
import type { paths } from './generated/openapi.js';
import { retryingFetch, type FetchFunction, type RetryOptions } from './retry.js';

/** An event as `POST /v1/events` takes it. */
export type CurioEvent = paths['/v1/events']['post']['requestBody']['content']['application/json']['events'][number];

/** An event to `track`: `id` (the idempotency key) and `timestamp` are filled in when left out. */
export type TrackedEvent = Omit<CurioEvent, 'id' | 'timestamp'> & Partial<Pick<CurioEvent, 'id' | 'timestamp'>>;

export interface CurioClientOptions {
  /** Where the server is, e.g. `http://127.0.0.1:8080` (no trailing `/v1`). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>`; leave out for a server with auth disabled. */
  apiKey?: string;
  /** Retries of 429 and 5xx answers (see retry.ts); `{ maxRetries: 0 }` turns them off. */
  retry?: RetryOptions;
  /** The size and time bounds of `track`'s batches. */
  batch?: BatchOptions;
  /** The fetch to send with (default the global one): a proxy agent, a test double of the network. */
  fetch?: FetchFunction;
}

/** A typed Curio API client: every route of the server's OpenAPI document, plus batched event tracking. */
export interface CurioClient {
  /** openapi-fetch's client over the whole API: `api.GET('/v1/users/{id}/recommendations', { params: { path: { id }, query: { n: 5 } } })`. */
  api: Client<paths>;
  /** Queues events for `POST /v1/events`; they are sent in batches (see `batch`). */
  track(...events: TrackedEvent[]): void;
  /** Sends every queued event now. */
  flush(): Promise<BatchResult>;
  /** Sends every queued event and refuses further ones. */
  close(): Promise<BatchResult>;
  /** Events waiting to be sent. */
  readonly pending: number;
}

/** The error a batch send rejects with when the server refused the whole request (401, 403, 400 on the envelope, …). */
export class CurioRequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    const message = (body as { error?: { message?: string } } | undefined)?.error?.message ?? 'request failed';
    super(`HTTP ${status}: ${message}`);
    this.name = 'CurioRequestError';
  }
}

const newEventId = (): string => `evt-${globalThis.crypto.randomUUID()}`;

/** Creates a client; call `close()` when done so queued events are sent. */
export function createCurioClient(options: CurioClientOptions): CurioClient {
  const api = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` },
    fetch: retryingFetch(options.retry, options.fetch),
  });
  const batcher = new EventBatcher<CurioEvent>(async (events) => {
    const { data, error, response } = await api.POST('/v1/events', { body: { events } });
    if (data === undefined) throw new CurioRequestError(response.status, error);
    return data;
  }, options.batch);
  return {
    api,
    track: (...events) => batcher.add(...events.map((e) => ({ ...e, id: e.id ?? newEventId(), timestamp: e.timestamp ?? Date.now() }))),
    flush: () => batcher.flush(),
    close: () => batcher.close(),
    get pending() {
      return batcher.pending;
    },
  };
}
