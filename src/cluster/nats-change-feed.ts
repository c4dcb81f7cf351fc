import { randomUUID } from 'node:crypto';
import {
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type StreamInfo,
} from '@nats-io/jetstream';
import { connect, headers, nanos, type NatsConnection } from '@nats-io/transport-node';
import { CurioError, STREAM_NAME_PATTERN } from '../core/index.js';
import { changeUserIds, type Change, type ChangeFeed, type ChangeHandler, type ForgottenChanges } from '../store/index.js';

export const DEFAULT_STREAM = 'CURIO_CHANGES';
const DEFAULT_MAX_AGE_MS = 24 * 3600_000;
/** JetStream's own default; a re-sent publish within it is stored once. */
const DEDUPE_WINDOW_MS = 2 * 60_000;
/** Which feed sent a message, so the feed that sent it leaves it out (its subscribers had it at publish). */
const INSTANCE_HEADER = 'Curio-Instance';
/** The sender's node id, for whoever reads the stream by hand. */
const NODE_HEADER = 'Curio-Node';
/** JSON has no NaN or infinities; they travel as `{ "$curio:number": "-Infinity" }`. */
const NON_FINITE = '$curio:number';
/** Room left under the server's max_payload for the headers. */
const HEADER_ROOM_BYTES = 1024;

export interface NatsChangeFeedOptions {
  /** `nats://host:port`, or several servers of one NATS cluster. */
  servers: string | string[];
  /** The JetStream stream (default CURIO_CHANGES); its subjects are its name in lower case with `_` as `.`: curio.changes.<kind>. */
  stream?: string;
  /** Names this process on the bus; stamped as `origin` on changes published without one. */
  nodeId: string;
  /** How long the stream keeps a change (default 24 h): the longest a node can be away and still have the changes. */
  maxAgeMs?: number;
  /** Messages waiting to be sent, beyond which the oldest is dropped (default 10,000). */
  maxOutboxMessages?: number;
  /** Bytes waiting to be sent, beyond which the oldest message is dropped (default 64 MiB). */
  maxOutboxBytes?: number;
  /** Longest wait in `close()` for the outbox to drain (default 5 s). */
  closeTimeoutMs?: number;
  /** Told about failures the feed recovers from (a publish retried, a handler that threw, a message it cannot read). */
  warn?: (message: string, error: unknown) => void;
}

export interface NatsFeedCounters {
  /** Messages the stream acknowledged (a re-send it recognised as a duplicate counts once). */
  published: number;
  /** Publish attempts that failed and were retried. */
  publishFailures: number;
  /** Messages given up: the oldest when the outbox was full, one larger than the server takes, or one published after close. */
  dropped: number;
  /** Messages waiting to be sent. */
  outboxSize: number;
  /** Other nodes' changes delivered to this feed's subscribers. */
  received: number;
}

interface Outgoing {
  subject: string;
  data: Uint8Array;
  msgId: string;
}

/**
 * The change feed of a cluster: every node publishes its writes to one JetStream stream and applies the
 * others'. `publish` stays synchronous (the Ingestor calls it after its commit): the node's own subscribers
 * get the change at once, and an ordered outbox sends it to NATS in the background, retrying while NATS is
 * away. Other nodes' changes arrive through an ordered consumer that starts at the stream's end as of
 * `connect`. Delivery is at least once (a retry after a lost acknowledgement, a consumer recreated after a
 * restart), which the subscribers' idempotent appliers absorb.
 */
export class NatsChangeFeed implements ChangeFeed {
  private handlers: ChangeHandler[] = [];
  private readonly outbox: Outgoing[] = [];
  private outboxBytes = 0;
  private inFlight = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs = RETRY_MIN_MS;
  private failing = false;
  /** False from a disconnect to the reconnect: a publish then would only wait for its timeout. */
  private connected = true;
  private drained: Array<() => void> = [];
  private closed = false;
  private sequence = 0;
  private messages: ConsumerMessages | null = null;
  private readonly instanceId = randomUUID();
  private readonly counts = { published: 0, publishFailures: 0, dropped: 0, received: 0 };

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly subjectPrefix: string,
    private readonly options: NatsChangeFeedOptions,
  ) {}

  /** Connects (reconnecting without end after that), creates or updates the stream, and starts receiving. */
  static async connect(options: NatsChangeFeedOptions): Promise<NatsChangeFeed> {
    const stream = options.stream ?? DEFAULT_STREAM;
    const subjectPrefix = subjectPrefixOf(stream);
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: options.servers,
        name: `curio ${options.nodeId}`,
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
      });
    } catch (cause) {
      throw new CurioError('UNAVAILABLE', `cannot connect to NATS at ${String(options.servers)}: ${(cause as Error).message}`, { cause });
    }
    try {
      const info = await ensureStream(await jetstreamManager(nc), stream, subjectPrefix, options.maxAgeMs ?? DEFAULT_MAX_AGE_MS);
      const feed = new NatsChangeFeed(nc, jetstream(nc), subjectPrefix, options);
      await feed.startConsumer(stream, info.state.last_seq + 1);
      void feed.watchConnection();
      return feed;
    } catch (cause) {
      await nc.close();
      throw new CurioError('UNAVAILABLE', `cannot set up the JetStream stream ${stream}: ${(cause as Error).message}`, { cause });
    }
  }

  get counters(): NatsFeedCounters {
    return { ...this.counts, outboxSize: this.outbox.length + (this.inFlight ? 1 : 0) };
  }

  publish(change: Change): void {
    const stamped: Change = change.origin === undefined ? { ...change, origin: this.options.nodeId } : change;
    // Encoded now: what is sent is the change as published, whatever its holder does with it later.
    if (this.closed) {
      this.counts.dropped++;
      this.warn('a change was published after the feed closed; only local subscribers got it', null);
    } else {
      const id = `${this.instanceId}-${++this.sequence}`;
      const { messages, leftOut } = encodeWithin(stamped, this.maxPayloadBytes());
      messages.forEach((data, i) => this.enqueue({ subject: `${this.subjectPrefix}.${change.kind}`, data, msgId: `${id}-${i}` }));
      if (leftOut > 0) {
        this.counts.dropped += leftOut;
        this.warn(`${leftOut} record(s) of a ${change.kind} change exceed the NATS server's max_payload; other nodes miss them`, null);
      }
    }
    this.deliver(stamped);
  }

  subscribe(handler: ChangeHandler): () => void {
    this.handlers = [...this.handlers, handler];
    return () => {
      this.handlers = this.handlers.filter((h) => h !== handler);
    };
  }

  /**
   * Removes from the stream every change that names an erased user: it reads the stream once, from its
   * first message to the last as of the call, and erases each match on the server (overwritten, not only
   * unlinked). Erasure notices younger than `keepNoticesMs` stay, so a node that was away for a moment still
   * applies the erasure; a later call removes them.
   */
  async forgetUsers(erased: (storedUserId: string) => boolean, options: { keepNoticesMs: number }): Promise<ForgottenChanges> {
    const stream = this.options.stream ?? DEFAULT_STREAM;
    const jsm = await jetstreamManager(this.nc);
    const { state } = await jsm.streams.info(stream);
    const out: ForgottenChanges = { removed: 0, keptNotices: 0 };
    if (state.messages === 0) return out;
    const consumer = await this.js.consumers.get(stream, {
      filter_subjects: `${this.subjectPrefix}.*`,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: state.first_seq,
    });
    const keepSinceMs = Date.now() - options.keepNoticesMs;
    for (let more = true; more;) {
      const batch = await consumer.fetch({ max_messages: FORGET_BATCH, expires: 2000 });
      more = false;
      for await (const m of batch) {
        if (m.seq > state.last_seq) break;
        await this.forgetOne(jsm, stream, m, erased, keepSinceMs, out);
        // Batch after batch, up to the last message as of the call.
        more = m.seq < state.last_seq && m.info.pending > 0;
        if (!more) break;
      }
    }
    return out;
  }

  /** Erases one stream message when it names an erased user (an erasure notice only when older than `keepSinceMs`). */
  private async forgetOne(
    jsm: JetStreamManager,
    stream: string,
    m: JsMsg,
    erased: (storedUserId: string) => boolean,
    keepSinceMs: number,
    out: ForgottenChanges,
  ): Promise<void> {
    let change: Change;
    try {
      change = decodeChange(m.data);
    } catch {
      return; // not a change of ours: it names nobody
    }
    if (!changeUserIds(change).some(erased)) return;
    if (change.kind === 'user-erased' && m.info.timestampNanos / 1_000_000 > keepSinceMs) {
      out.keptNotices++;
      return;
    }
    if (await jsm.streams.deleteMessage(stream, m.seq, true)) out.removed++;
  }

  /** Sends what the outbox holds (waiting at most `closeTimeoutMs`), then stops receiving and closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const waited = await this.whenDrained(this.options.closeTimeoutMs ?? 5000);
    if (!waited) this.warn(`closed with ${this.counters.outboxSize} changes not sent to NATS`, null);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.messages?.stop();
    if (waited && !this.nc.isClosed()) await this.nc.drain().catch(() => undefined);
    if (!this.nc.isClosed()) await this.nc.close();
  }

  private async startConsumer(stream: string, fromSequence: number): Promise<void> {
    // A start sequence rather than DeliverPolicy.New: a consumer recreated before its first message (after a
    // NATS restart) resumes from there; with New it would start over at the stream's first message.
    const consumer = await this.js.consumers.get(stream, {
      filter_subjects: `${this.subjectPrefix}.*`,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: fromSequence,
    });
    // Short heartbeats: after a NATS restart the client can recreate the consumer and then ask it for nothing
    // (its count of requested messages is not reset); two missed heartbeats make it ask again.
    this.messages = await consumer.consume({ callback: (m) => this.receive(m), expires: 5000, idle_heartbeat: 1000 });
  }

  private receive(m: JsMsg): void {
    if (m.headers?.get(INSTANCE_HEADER) === this.instanceId) return;
    let change: Change;
    try {
      change = decodeChange(m.data);
    } catch (error) {
      this.warn(`a message on ${m.subject} (stream sequence ${m.seq}) is not a change`, error);
      return;
    }
    this.counts.received++;
    this.deliver(change);
  }

  private deliver(change: Change): void {
    for (const handler of this.handlers) {
      try {
        handler(change);
      } catch (error) {
        this.warn(`a change handler failed on ${change.kind}`, error);
      }
    }
  }

  private enqueue(message: Outgoing): void {
    this.outbox.push(message);
    this.outboxBytes += message.data.byteLength;
    this.bound();
    this.pump();
  }

  /** Drops the oldest waiting messages while the outbox is over either bound. */
  private bound(): void {
    const maxMessages = this.options.maxOutboxMessages ?? 10_000;
    const maxBytes = this.options.maxOutboxBytes ?? 64 * 1024 * 1024;
    while (this.outbox.length > 0 && (this.outbox.length > maxMessages || this.outboxBytes > maxBytes)) {
      this.outboxBytes -= this.outbox.shift()!.data.byteLength;
      this.counts.dropped++;
    }
  }

  /** Sends the outbox's head, one message at a time so the stream keeps the publish order. */
  private pump(): void {
    if (this.inFlight || this.retryTimer || !this.connected || this.nc.isClosed()) return;
    const next = this.outbox.shift();
    if (!next) {
      this.drained.splice(0).forEach((resolve) => resolve());
      return;
    }
    this.outboxBytes -= next.data.byteLength;
    this.inFlight = true;
    const h = headers();
    h.set(INSTANCE_HEADER, this.instanceId);
    h.set(NODE_HEADER, this.options.nodeId);
    this.js.publish(next.subject, next.data, { msgID: next.msgId, headers: h, timeout: 2000 }).then(
      () => {
        this.inFlight = false;
        this.counts.published++;
        this.retryMs = RETRY_MIN_MS;
        if (this.failing) this.warn('NATS takes changes again', null);
        this.failing = false;
        this.pump();
      },
      (error: unknown) => {
        this.inFlight = false;
        this.counts.publishFailures++;
        if (!this.failing) this.warn('publishing a change to NATS failed; retrying', error);
        this.failing = true;
        // Back at the head, with its message id: if the stream did store it, the re-send is recognised.
        this.outbox.unshift(next);
        this.outboxBytes += next.data.byteLength;
        this.bound();
        this.retryLater();
      },
    );
  }

  private retryLater(): void {
    if (this.nc.isClosed()) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pump();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  /** The outbox waits while the connection is down and is tried at once when it is back. */
  private async watchConnection(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect') this.connected = false;
      if (status.type !== 'reconnect') continue;
      this.connected = true;
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.retryMs = RETRY_MIN_MS;
      this.pump();
    }
  }

  /** Resolves true once nothing waits to be sent, false when `timeoutMs` passes first. */
  private whenDrained(timeoutMs: number): Promise<boolean> {
    if (this.outbox.length === 0 && !this.inFlight) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.drained.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private maxPayloadBytes(): number {
    return (this.nc.info?.max_payload ?? 1024 * 1024) - HEADER_ROOM_BYTES;
  }

  private warn(message: string, error: unknown): void {
    (this.options.warn ?? ((m, e) => console.warn(`curio: ${m}:`, e ?? '')))(message, error);
  }
}

/** Messages read per request while looking for an erased user's changes. */
const FORGET_BATCH = 500;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2000;

/** CURIO_CHANGES → curio.changes: the stream's subjects are this prefix and a change's kind. */
export function subjectPrefixOf(stream: string): string {
  if (!STREAM_NAME_PATTERN.test(stream)) {
    throw new CurioError(
      'BAD_INPUT',
      `invalid stream name ${JSON.stringify(stream)}: letters, digits and '-', in words joined by single '_'`,
    );
  }
  return stream.toLowerCase().replaceAll('_', '.');
}

/** Creates the stream, or brings an existing one to these subjects and this retention; the same on every node. */
async function ensureStream(jsm: JetStreamManager, name: string, subjectPrefix: string, maxAgeMs: number): Promise<StreamInfo> {
  const wanted = {
    subjects: [`${subjectPrefix}.*`],
    max_age: nanos(maxAgeMs),
    duplicate_window: nanos(Math.min(DEDUPE_WINDOW_MS, maxAgeMs)),
  };
  // Two nodes starting together may both find no stream; the second add then fails and the loop updates.
  for (let attempt = 0; ; attempt++) {
    try {
      const info = await jsm.streams.info(name);
      const c = info.config;
      const same =
        c.subjects.join() === wanted.subjects.join() && c.max_age === wanted.max_age && c.duplicate_window === wanted.duplicate_window;
      return same ? info : await jsm.streams.update(name, wanted);
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
    }
    try {
      return await jsm.streams.add({
        name,
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        ...wanted,
      });
    } catch (error) {
      if (attempt > 0) throw error;
    }
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function encodeChange(change: Change): Uint8Array {
  return encoder.encode(
    JSON.stringify(change, (_key, value: unknown) =>
      typeof value === 'number' && !Number.isFinite(value) ? { [NON_FINITE]: String(value) } : value,
    ),
  );
}

/** The inverse of `encodeChange`. */
export function decodeChange(data: Uint8Array): Change {
  const text = decoder.decode(data);
  const revive = (_key: string, value: unknown) =>
    value !== null && typeof value === 'object' && NON_FINITE in value ? Number((value as Record<string, string>)[NON_FINITE]) : value;
  return JSON.parse(text, text.includes(NON_FINITE) ? revive : undefined) as Change;
}

/** The field that holds a batch change's records, which a change too large for one message is split by. */
const RECORDS = { 'events-stored': 'events', 'items-stored': 'items', 'users-stored': 'users', 'slates-served': 'slates' } as const;

/**
 * The change as messages no larger than `maxBytes`: one, or (a large batch) its records split over several
 * changes of the same kind, each applied on its own. A record too large for a message on its own is left
 * out, and counted.
 */
export function encodeWithin(change: Change, maxBytes: number): { messages: Uint8Array[]; leftOut: number } {
  const data = encodeChange(change);
  if (data.byteLength <= maxBytes) return { messages: [data], leftOut: 0 };
  const key = RECORDS[change.kind as keyof typeof RECORDS] as string | undefined;
  const records = key === undefined ? [] : ((change as unknown as Record<string, readonly unknown[]>)[key] ?? []);
  if (records.length < 2) return { messages: [], leftOut: Math.max(1, records.length) };
  const size = Math.ceil(records.length / Math.max(2, Math.ceil(data.byteLength / maxBytes)));
  const out = { messages: [] as Uint8Array[], leftOut: 0 };
  for (let i = 0; i < records.length; i += size) {
    const piece = encodeWithin({ ...change, [key!]: records.slice(i, i + size) } as Change, maxBytes);
    out.messages.push(...piece.messages);
    out.leftOut += piece.leftOut;
  }
  return out;
}
