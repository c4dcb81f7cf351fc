import { CurioError, problemsFromZod, type Event, type Item, type Problem, type User } from '../core/index.js';
import { createPseudonymiser, type Pseudonymiser } from '../privacy/index.js';
import type { ItemPatch, Store } from '../store/index.js';
import { eventInputSchema, itemInputSchema, itemPatchSchema, userInputSchema } from './schemas.js';

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
}

/**
 * The one way data enters the store: validation, pseudonymisation, consent and idempotency live here,
 * shared by the HTTP API and the importers.
 */
export class Ingestor {
  readonly store: Store;
  readonly userKey: Pseudonymiser;

  constructor(options: IngestorOptions) {
    this.store = options.store;
    this.userKey = createPseudonymiser(options.idSecret);
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
      const e = parsed.data;
      valid.push({
        id: e.id,
        userId: e.userId,
        itemId: e.itemId ?? null,
        type: e.type,
        value: e.value ?? null,
        timestamp: e.timestamp,
        sessionId: e.sessionId ?? null,
        context: e.context ?? {},
      });
      indexes.push(index);
    });
    const result = await this.appendEvents(valid);
    for (const i of result.refused) rejected.push({ index: indexes[i], errors: [{ path: 'userId', message: 'the user has refused tracking (consent.tracking=false)' }] });
    rejected.sort((a, b) => a.index - b.index);
    return { accepted: result.accepted, duplicates: result.duplicates, rejected };
  }

  /**
   * Stores already-typed events (importers validate their own formats): pseudonymises user ids, drops
   * events of users who refused tracking (returned by position), and deduplicates by event id.
   */
  async appendEvents(events: Event[]): Promise<{ accepted: number; duplicates: number; refused: number[] }> {
    const keyed = events.map((e) => ({ ...e, userId: this.userKey(e.userId) }));
    const refusing = await this.store.trackingRefused(keyed.map((e) => e.userId));
    const refused: number[] = [];
    const allowed: Event[] = [];
    keyed.forEach((e, i) => {
      if (refusing.has(e.userId)) refused.push(i);
      else allowed.push(e);
    });
    const { accepted, duplicates } = await this.store.appendEvents(allowed);
    return { accepted, duplicates, refused };
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
    const accepted = await this.store.upsertItems(items);
    return { accepted, rejected };
  }

  /** Applies a partial update to an item; null when the item does not exist. */
  async patchItem(id: string, body: unknown): Promise<Item | null> {
    const parsed = itemPatchSchema.safeParse(body);
    if (!parsed.success) throw new CurioError('BAD_INPUT', 'invalid item patch', { problems: problemsFromZod(parsed.error) });
    return this.store.patchItem(id, parsed.data as ItemPatch);
  }

  /** Creates or updates a user (attributes, consent) by the shop's raw id. */
  async putUser(rawId: string, body: unknown): Promise<User> {
    const parsed = userInputSchema.safeParse(body);
    if (!parsed.success) throw new CurioError('BAD_INPUT', 'invalid user', { problems: problemsFromZod(parsed.error) });
    return this.store.upsertUser({ id: this.userKey(rawId), ...parsed.data });
  }
}
