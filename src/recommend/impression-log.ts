import { yieldToLoop, type Event } from '../core/index.js';
import type { Decision, SlateShown } from '../store/index.js';
import type { DecisionLog, ServedSlate } from './decision-log.js';

/** Impressions per write transaction: one commit shared by many slates, short enough not to hold waiting requests. */
const IMPRESSION_CHUNK = 100;
/** Slate records (`'slate'` mode) per write transaction. */
const SLATE_CHUNK = 100;

/**
 * Writes the first `count` entries of `list()` (those it held when the flush began, not those added
 * meanwhile), `size` per write with the event loop free in between. `list` is read again each time: an
 * erasure replaces the array.
 */
async function writeBuffered<T>(list: () => T[], count: number, size: number, write: (chunk: T[]) => Promise<void>): Promise<void> {
  let left = count;
  while (left > 0 && list().length > 0) {
    const chunk = list().splice(0, Math.min(left, size));
    left -= chunk.length;
    await write(chunk);
    if (left > 0) await yieldToLoop();
  }
}

/**
 * The impression events a served slate stands for, under its stored user id, with the ids and context the
 * `'events'` log gives them: what trending, the feedback loop and the no-repeat rule read, whichever format
 * the slate was logged in.
 */
export function slateImpressions(slate: SlateShown): Event[] {
  const { recommendationId, policy } = slate;
  return slate.shown.map((s, position): Event => ({
    id: `imp:${recommendationId}:${position}`,
    userId: slate.userId,
    itemId: s.itemId,
    type: 'impression',
    value: null,
    timestamp: slate.timestamp,
    sessionId: slate.sessionId ?? null,
    context: {
      recommendationId,
      position,
      policy,
      propensity: s.propensity,
      ...(s.slot === null ? { pinned: true } : s.slot === undefined ? {} : { slot: s.slot }),
    },
  }));
}

export interface ImpressionLogOptions {
  /** Stores impressions (the app's Ingestor: consent, pseudonyms, dedup) and returns the newly stored ones. */
  write?: (events: Event[]) => Promise<{ stored: Event[] }>;
  /** Called with what was stored, so the live state learns of the runtime's own impressions exactly once. */
  onStored: (events: Event[]) => void;
  decisions: DecisionLog;
  /** Stores slate records (`'slate'` mode: one decision row per slate, with its shown items) and applies them. */
  writeSlates?: (slates: Decision[]) => Promise<void>;
  /** 0 writes each slate's impressions at once; otherwise they are buffered for one write per interval. */
  flushMs: number;
  warn: (message: string, error: unknown) => void;
}

/** A buffered impression and the stored id of its user (the event carries the shop's raw id). */
interface Pending {
  event: Event;
  storedUserId: string | null;
}

/**
 * The slates a runtime serves, on their way to the store: in `'slate'` mode one record per slate (its
 * decision row with the shown items); in `'events'` mode one impression event per shown item and the
 * slate's candidate set in the decision log. Writes are buffered and chunked because a commit per slate
 * costs more than the rest of the request on SQLite.
 */
export class ImpressionLog {
  private buffer: Pending[] = [];
  private slates: Decision[] = [];
  /** Chunks being written: still "unwritten" for a user read from the store meanwhile. */
  private readonly inFlight = new Set<Pending[]>();
  private readonly slatesInFlight = new Set<Decision[]>();
  /**
   * Entries not yet written (buffered or in flight), per stored user: `unwritten` is asked on every user
   * read from the store, and most users have none, so it must not scan the buffers to find that out.
   */
  private readonly pendingByUser = new Map<string, number>();
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(private readonly options: ImpressionLogOptions) {}

  private hold(userId: string | null): void {
    if (userId !== null) this.pendingByUser.set(userId, (this.pendingByUser.get(userId) ?? 0) + 1);
  }

  private release(userId: string | null): void {
    if (userId === null) return;
    const left = (this.pendingByUser.get(userId) ?? 0) - 1;
    if (left > 0) this.pendingByUser.set(userId, left);
    else this.pendingByUser.delete(userId);
  }

  /** Logs a served slate: its impressions (now or at the next flush) and its decision record. */
  async record(events: Event[], slate: ServedSlate | null): Promise<void> {
    if (slate) this.options.decisions.add(slate);
    const storedUserId = slate?.userId ?? null;
    for (let k = 0; k < events.length; k++) this.hold(storedUserId);
    if (this.options.flushMs === 0) return this.write(events.map((event) => ({ event, storedUserId })));
    for (const event of events) this.buffer.push({ event, storedUserId });
    this.flushTimer ??= setTimeout(() => void this.flush(), this.options.flushMs);
  }

  /** Logs a served slate as one record (`'slate'` mode), now or at the next flush. */
  async recordSlate(slate: Decision): Promise<void> {
    this.hold(slate.userId);
    if (this.options.flushMs === 0) return this.writeSlates([slate]);
    this.slates.push(slate);
    this.flushTimer ??= setTimeout(() => void this.flush(), this.options.flushMs);
  }

  /**
   * A user's impressions not yet known to be in the store, with the stored id as their user: a user read
   * from the store before the write lands still has them in their no-repeat list.
   */
  unwritten(storedUserId: string): Event[] {
    const mine: Event[] = [];
    if (!this.pendingByUser.has(storedUserId)) return mine;
    for (const chunk of [...this.inFlight, this.buffer]) {
      for (const p of chunk) if (p.storedUserId === storedUserId) mine.push({ ...p.event, userId: storedUserId });
    }
    for (const chunk of [...this.slatesInFlight, this.slates]) {
      for (const d of chunk) if (d.userId === storedUserId && d.shown) mine.push(...slateImpressions(d as SlateShown));
    }
    return mine;
  }

  /** Whether impressions, slates or decisions of this user wait to be written. */
  holds(storedUserId: string): boolean {
    return this.pendingByUser.has(storedUserId) || this.options.decisions.holds(storedUserId);
  }

  /**
   * Drops an erased user's buffered impressions and decisions, and their slates from chunks in flight
   * (the slate writer checks consent before it writes: it may not have reached the store yet).
   */
  forget(storedUserId: string): void {
    this.buffer = this.buffer.filter((p) => p.storedUserId !== storedUserId);
    this.slates = this.slates.filter((d) => d.userId !== storedUserId);
    for (const chunk of this.slatesInFlight) {
      for (let k = chunk.length - 1; k >= 0; k--) if (chunk[k].userId === storedUserId) chunk.splice(k, 1);
    }
    // Chunks of theirs already in flight release nothing once the count is gone.
    this.pendingByUser.delete(storedUserId);
    this.options.decisions.forget(storedUserId);
  }

  /**
   * Writes every buffered impression and slate (also called on stop), IMPRESSION_CHUNK per transaction with
   * the event loop free in between: one transaction of a busy interval's impressions would hold every
   * waiting request until it commits. A flush asked for while one is writing runs after it.
   */
  flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    // Started at once when idle, so it takes exactly what is buffered at this call.
    const run = this.flushing
      ? this.flushing.then(
          () => this.drain(),
          () => this.drain(),
        )
      : this.drain();
    const tracked = run.finally(() => {
      if (this.flushing === tracked) this.flushing = null;
    });
    this.flushing = tracked;
    return tracked;
  }

  /**
   * Writes what is buffered when it starts, not what is served while it writes: chasing those would turn
   * one write per interval into a continuous stream of small writes, each with its round trips and its bus
   * message, exactly when the store is slow. Later entries wait for their own interval's timer.
   */
  private async drain(): Promise<void> {
    const events = this.buffer.length;
    const slates = this.slates.length;
    await writeBuffered(
      () => this.buffer,
      events,
      IMPRESSION_CHUNK,
      (chunk) => this.write(chunk),
    );
    await writeBuffered(
      () => this.slates,
      slates,
      SLATE_CHUNK,
      (chunk) => this.writeSlates(chunk),
    );
  }

  private async writeSlates(chunk: Decision[]): Promise<void> {
    this.slatesInFlight.add(chunk);
    try {
      await this.options.writeSlates?.(chunk);
    } catch (e) {
      this.options.warn('impression logging failed', e);
    } finally {
      this.slatesInFlight.delete(chunk);
      for (const d of chunk) this.release(d.userId);
    }
  }

  private async write(chunk: Pending[]): Promise<void> {
    this.inFlight.add(chunk);
    try {
      const written = await this.options.write?.(chunk.map((p) => p.event));
      if (written) this.options.onStored(written.stored);
    } catch (e) {
      // A slate is still worth showing when its log cannot be written; the failure is reported.
      this.options.warn('impression logging failed', e);
    } finally {
      this.inFlight.delete(chunk);
      for (const p of chunk) this.release(p.storedUserId);
    }
    await this.options.decisions.flush();
  }
}
