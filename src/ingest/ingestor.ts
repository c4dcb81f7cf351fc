import { parseOrThrow, problemsFromZod, type Event, type Item, type Problem, type User } from '../core/index.js';
import { createPseudonymiser, type Pseudonymiser } from '../privacy/index.js';
import type { Change, ChangeFeed, EraseUserOptions, ErasedRows, ItemPatch, Store } from '../store/index.js';
import { eventFromInput, eventInputSchema, itemInputSchema, itemPatchSchema, userInputSchema } from './schemas.js';
import { storedEvents } from './stored-events.js';

export interface Rejection {
  index: number;
  errors: Problem[];
}

export interface BatchResult {
  accepted: number;
  duplicates: number;
  rejected: Rejection[];
}

export interface IngestorOptions {
  store: Store;
  /** HMAC secret for user ids; null stores ids as given. */
  idSecret: string | null;
  /** Where every write is published after it is stored (the serving runtime subscribes); none by default. */
  feed?: ChangeFeed;
}

/** Who is writing, said on the published change so a subscriber can leave out its own writes. */
export interface WriteOptions {
  origin?: string;
}

/** An events write: counts, the refused by position, and the events that were newly stored. */
export interface AppendEventsResult {
  accepted: number;
  duplicates: number;
  refused: number[];
  stored: Event[];
}

/**
 * The one way writes reach the store: validation, pseudonymisation, consent and idempotency live here,
 * shared by the HTTP API and the importers, and each write is published on the change feed once stored.
 */
export class Ingestor {
  readonly store: Store;
  readonly userKey: Pseudonymiser;
  private readonly feed: ChangeFeed | undefined;

  constructor(options: IngestorOptions) {
    this.store = options.store;
    this.userKey = createPseudonymiser(options.idSecret);
    this.feed = options.feed;
  }

  /** Validates raw rows; stores the valid ones and reports every invalid or refused one by index. */
  async ingestEvents(rows: unknown[]): Promise<BatchResult> {
    const valid: Event[] = [];
    const indexes: number[] = [];
    const rejected: Rejection[] = [];
    rows.forEach((row, index) => {
      const parsed = eventInputSchema.safeParse(row);
      if (!parsed.success) {
        rejected.push({ index, errors: problemsFromZod(parsed.error) });
        return;
      }
      valid.push(eventFromInput(parsed.data));
      indexes.push(index);
    });
    const result = await this.appendEvents(valid);
    for (const i of result.refused)
      rejected.push({ index: indexes[i], errors: [{ path: 'userId', message: 'the user has refused tracking (consent.tracking=false)' }] });
    rejected.sort((a, b) => a.index - b.index);
    return { accepted: result.accepted, duplicates: result.duplicates, rejected };
  }

  /**
   * Stores already-typed events (importers validate their own formats): pseudonymises user ids, drops
   * events of users who refused tracking (returned by position), and deduplicates by event id.
   */
  async appendEvents(events: Event[], options: WriteOptions = {}): Promise<AppendEventsResult> {
    const keyed = events.map((e) => ({ ...e, userId: this.userKey(e.userId) }));
    const refusing = await this.store.trackingRefused(keyed.map((e) => e.userId));
    const refused: number[] = [];
    const allowed: Event[] = [];
    keyed.forEach((e, i) => {
      if (refusing.has(e.userId)) refused.push(i);
      else allowed.push(e);
    });
    const result = await this.store.appendEvents(allowed);
    const stored = storedEvents(allowed, result);
    if (stored.length > 0) this.publish({ kind: 'events-stored', events: stored, origin: options.origin });
    return { accepted: result.accepted, duplicates: result.duplicates, refused, stored };
  }

  /** Validates and upserts a batch of items; invalid rows are reported, valid ones stored. */
  async putItems(rows: unknown[]): Promise<{ accepted: number; rejected: Rejection[] }> {
    const items: Item[] = [];
    const rejected: Rejection[] = [];
    const now = Date.now();
    rows.forEach((row, index) => {
      const parsed = itemInputSchema.safeParse(row);
      if (parsed.success) items.push({ ...parsed.data, createdAt: parsed.data.createdAt ?? now });
      else rejected.push({ index, errors: problemsFromZod(parsed.error) });
    });
    return { accepted: await this.upsertItems(items), rejected };
  }

  /** Upserts already-typed items (the importers' item writer); returns how many were written. */
  async upsertItems(items: Item[]): Promise<number> {
    const accepted = await this.store.upsertItems(items);
    if (items.length > 0) this.publish({ kind: 'items-stored', items });
    return accepted;
  }

  /** Applies a partial update to an item; null when the item does not exist. */
  async patchItem(id: string, body: unknown): Promise<Item | null> {
    const patch = parseOrThrow(itemPatchSchema, body, 'item patch') as ItemPatch;
    const item = await this.store.patchItem(id, patch);
    if (item) this.publish({ kind: 'items-stored', items: [item] });
    return item;
  }

  /** Deletes an item (its past events stay); false when there was none. */
  async deleteItem(id: string): Promise<boolean> {
    const deleted = await this.store.deleteItem(id);
    if (deleted) this.publish({ kind: 'item-deleted', itemId: id });
    return deleted;
  }

  /** Creates or updates a user (attributes, consent) by the shop's raw id. */
  async putUser(rawId: string, body: unknown): Promise<User> {
    const input = parseOrThrow(userInputSchema, body, 'user');
    const user = await this.store.upsertUser({ id: this.userKey(rawId), ...input });
    this.publish({ kind: 'users-stored', users: [user] });
    return user;
  }

  /**
   * Erases a user by the shop's raw id: their record, events and decisions (only the history with
   * `keepRecord`); every subscriber forgets what it keeps of them.
   */
  async eraseUser(rawId: string, options: EraseUserOptions = {}): Promise<ErasedRows> {
    const storedId = this.userKey(rawId);
    const erased = await this.store.eraseUser(storedId, options);
    // Said even when nothing was stored: a subscriber may still hold the user from a write in flight.
    this.publish({ kind: 'user-erased', userId: storedId });
    return erased;
  }

  private publish(change: Change): void {
    this.feed?.publish(change);
  }
}
