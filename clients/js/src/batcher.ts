/** When queued events are sent: at `maxEvents`, `flushIntervalMs` after the first one queued, or on flush/close. */
export interface BatchOptions {
  /** Events per request, at most; reaching it sends at once. Default 500 (the server takes up to `server.maxBatchEvents`, 10,000). */
  maxEvents?: number;
  /** Longest an event waits in the queue. Default 1,000 ms. */
  flushIntervalMs?: number;
  /** Events kept while sends fail; past it the oldest are dropped (and reported to `onError`). Default 100,000. */
  maxQueuedEvents?: number;
  /** Told of a send that failed in the background (a timer or size flush); the events stay queued. Default: console.warn. */
  onError?: (error: unknown) => void;
}

/** What the server answered for every batch one flush sent, added up. */
export interface BatchResult {
  accepted: number;
  duplicates: number;
  /** Rows the server refused, with their index in the whole flush (not in one request). */
  rejected: Array<{ index: number; errors: Array<{ path: string; message: string }> }>;
  requests: number;
}

export type SendBatch<E> = (events: E[]) => Promise<Omit<BatchResult, 'requests'>>;

const EMPTY = (): BatchResult => ({ accepted: 0, duplicates: 0, rejected: [], requests: 0 });

/**
 * A queue that sends events in batches of at most `maxEvents`. Sends run one at a time, in order; a batch
 * that fails (after the client's retries) goes back to the front of the queue, so nothing is lost while the
 * server is away — resending is safe because the server stores each event id once.
 */
export class EventBatcher<E> {
  private queue: E[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private sending: Promise<BatchResult> = Promise.resolve(EMPTY());
  private closed = false;
  private readonly maxEvents: number;
  private readonly flushIntervalMs: number;
  private readonly maxQueuedEvents: number;
  private readonly onError: (error: unknown) => void;

  constructor(
    private readonly send: SendBatch<E>,
    options: BatchOptions = {},
  ) {
    this.maxEvents = options.maxEvents ?? 500;
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.maxQueuedEvents = options.maxQueuedEvents ?? 100_000;
    this.onError = options.onError ?? ((error) => console.warn('@curio/client: sending events failed; they stay queued', error));
    if (!Number.isInteger(this.maxEvents) || this.maxEvents < 1) throw new RangeError('batch.maxEvents must be a positive integer');
    if (!(this.flushIntervalMs >= 0)) throw new RangeError('batch.flushIntervalMs must be ≥ 0');
  }

  /** Events waiting to be sent. */
  get pending(): number {
    return this.queue.length;
  }

  /** Queues events; a full batch is sent at once, the rest within `flushIntervalMs`. */
  add(...events: E[]): void {
    if (this.closed) throw new Error('@curio/client: the event batcher is closed');
    this.queue.push(...events);
    const over = this.queue.length - this.maxQueuedEvents;
    if (over > 0) {
      this.queue.splice(0, over);
      this.onError(new Error(`@curio/client: ${over} queued events dropped (more than batch.maxQueuedEvents)`));
    }
    if (this.queue.length >= this.maxEvents) this.background(() => this.drain(true));
    // What a full batch leaves behind waits no longer than the rest.
    this.arm();
  }

  /** Sends everything queued, in batches of at most `maxEvents`; rejects when a batch could not be sent (it stays queued). */
  flush(): Promise<BatchResult> {
    return this.chain(() => this.drain(false));
  }

  /** Sends what is queued and refuses further events. */
  async close(): Promise<BatchResult> {
    this.closed = true;
    return this.flush();
  }

  private arm(): void {
    if (this.timer === null && !this.closed) this.timer = setTimeout(() => this.background(() => this.drain(false)), this.flushIntervalMs);
  }

  private background(work: () => Promise<BatchResult>): void {
    this.chain(work).catch((error: unknown) => {
      this.onError(error);
      // The failed batch is back in the queue: try again after another interval.
      if (this.queue.length > 0) this.arm();
    });
  }

  /** Runs after every earlier send, so batches leave in the order their events were queued. */
  private chain(work: () => Promise<BatchResult>): Promise<BatchResult> {
    const next = this.sending.catch(() => EMPTY()).then(work);
    this.sending = next;
    return next;
  }

  /** Sends full batches only (`fullOnly`, when the size bound fired) or everything. */
  private async drain(fullOnly: boolean): Promise<BatchResult> {
    if (!fullOnly && this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const total = EMPTY();
    let sent = 0;
    while (this.queue.length >= (fullOnly ? this.maxEvents : 1)) {
      const batch = this.queue.splice(0, this.maxEvents);
      let answer: Awaited<ReturnType<SendBatch<E>>>;
      try {
        answer = await this.send(batch);
      } catch (error) {
        this.queue.unshift(...batch);
        throw error;
      }
      const offset = sent;
      sent += batch.length;
      total.accepted += answer.accepted;
      total.duplicates += answer.duplicates;
      total.rejected.push(...answer.rejected.map((r) => ({ ...r, index: r.index + offset })));
      total.requests++;
    }
    return total;
  }
}
