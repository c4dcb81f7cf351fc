import type { Consent, EpochMs, Event, EventType, Item, User } from '../core/index.js';
import type { AccessRecords } from './access-records.js';
import type { PictureRecords } from './picture-records.js';
import type { TrainingRecords } from './training-records.js';

export interface AppendResult {
  /** Events newly stored. */
  accepted: number;
  /** Events whose id was already stored; they were not stored again. */
  duplicates: number;
  /** Ids of the duplicates, in input order. */
  duplicateIds: string[];
}

export interface UserUpsert {
  id: string;
  attributes?: Record<string, unknown>;
  consent?: Partial<Consent>;
}

export type ItemPatch = Partial<Omit<Item, 'id'>>;

/** A page of a list: at most `limit` (default 100) rows, from `offset` or after the key `after`. */
export interface ListOptions {
  offset?: number;
  after?: string;
  limit?: number;
  /**
   * Items only: words that must all appear (case-insensitively) in the item's id, title, brand, category path
   * or tags; the list stays in id order, so `after` pages through the matches.
   */
  search?: string;
}

/** Most words a catalogue search takes (each one a LIKE over the row). */
export const MAX_SEARCH_WORDS = 8;

/** A search's words as LIKE patterns (`%word%`, lower case, with `\` escaping the pattern characters). */
export function searchPatterns(search: string | undefined): string[] {
  if (search === undefined) return [];
  const words = search.toLowerCase().split(/\s+/).filter(Boolean).slice(0, MAX_SEARCH_WORDS);
  return words.map((w) => `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
}

/** The text an item search looks in, as a SQL expression over the items table (SQLite and PostgreSQL alike). */
const ITEM_SEARCH_TEXT = "lower(id || ' ' || title || ' ' || coalesce(brand, '') || ' ' || category || ' ' || tags)";

/** The WHERE clause (with its leading space, or empty) and arguments of an item listing: the cursor, then the search words. */
export function itemListFilter(options: ListOptions, placeholder: () => string): { where: string; args: string[] } {
  const clauses: string[] = [];
  const args: string[] = [];
  if (options.after !== undefined) {
    clauses.push(`id > ${placeholder()}`);
    args.push(options.after);
  }
  for (const pattern of searchPatterns(options.search)) {
    clauses.push(`${ITEM_SEARCH_TEXT} LIKE ${placeholder()} ESCAPE '\\'`);
    args.push(pattern);
  }
  return { where: clauses.length ? ` WHERE ${clauses.join(' AND ')}` : '', args };
}

export interface UserEventsQuery {
  /** The newest `limit` events (returned oldest first). */
  limit?: number;
  types?: EventType[];
  /** Only events strictly before this time. */
  before?: EpochMs;
}

/** An event as the serving caches keep it: what, which item, when (no value, session or context). */
export type TimelineEvent = Pick<Event, 'id' | 'itemId' | 'type' | 'timestamp'>;

export interface ScanQuery {
  from?: EpochMs;
  /** Exclusive. */
  to?: EpochMs;
  types?: EventType[];
  batchSize?: number;
}

export interface StoreCounts {
  items: number;
  users: number;
  events: number;
}

export interface StoreStats extends StoreCounts {
  byType: Partial<Record<EventType, number>>;
  /** UTC days, oldest first. */
  byDay: Array<{ day: string; events: number }>;
  topItems: Array<{ itemId: string; title: string | null; events: number }>;
  topCategories: Array<{ category: string; events: number }>;
  distinctEventUsers: number;
}

/** One item a policy could choose from, as logged with its decision. */
export interface DecisionCandidate {
  itemId: string;
  /** The score the policy was given (only its order matters to greedy policies, its scale to Thompson). */
  score: number;
  /** Interest cluster (category key) the policy saw, when it had one. */
  cluster?: string;
}

/** One item of a served slate, as the server logs it in the slate's record (`Decision.shown`). */
export interface ShownItem {
  itemId: string;
  /** The logging policy's propensity of this item in its slot. */
  propensity: number;
  /** Absent: the item is at the policy's slot (its position). A number: the policy's slot, when a pin shifted the item. null: pinned by the shop. */
  slot?: number | null;
}

/** What the server showed one user in one slate (the compact impression log): enough for the no-repeat rule, feedback and OPE. */
export interface SlateShown {
  recommendationId: string;
  /** Stored (possibly pseudonymised) user id. */
  userId: string;
  timestamp: EpochMs;
  policy: string;
  /** The shown items in position order (index = position). */
  shown: ShownItem[];
  sessionId?: string;
}

/** A user's served slate as the serving cache reads it: which items, when. */
export interface UserSlate {
  recommendationId: string;
  timestamp: EpochMs;
  /** In position order. */
  itemIds: string[];
}

/** What `Store.prune` deletes: rows older than these times, at most `limit` of each kind per call. */
export interface PruneQuery {
  /** Decisions and served slates older than this. */
  slatesBefore?: EpochMs;
  /** Impression events older than this. */
  impressionEventsBefore?: EpochMs;
  /** Rows of each kind deleted per call (default 1000): a caller repeats while a count reaches it. */
  limit?: number;
}

/** What `Store.pruneEvents` deletes: events of each listed type older than its time, at most `limit` per call. */
export interface EventPruneQuery {
  before: Partial<Record<EventType, EpochMs>>;
  /** Only events at or after this time: where the previous (full) chunk of a pass stopped. */
  from?: EpochMs;
  /** Events deleted per call (default 1000): a caller repeats from `last` while a count reaches it. */
  limit?: number;
}

/** What one `Store.pruneEvents` call deleted. */
export interface EventPruneResult {
  deleted: number;
  byType: Partial<Record<EventType, number>>;
  /** The newest time among the deleted events; null when none were. */
  last: EpochMs | null;
}

/** What `Store.reclaimSpace` did with the space deleted rows held. */
export interface ReclaimedSpace {
  /**
   * `incremental-vacuum`: SQLite with auto_vacuum=INCREMENTAL gave the free pages back to the file system;
   * `free-list`: SQLite without it keeps them (zeroed by secure_delete) for later writes, the file does not shrink;
   * `autovacuum`: PostgreSQL's autovacuum makes dead rows' space reusable (VACUUM FULL would give it back, locking the table).
   */
  method: 'incremental-vacuum' | 'free-list' | 'autovacuum';
  /** Pages given back to the file system now. */
  freedPages: number;
  /** Free pages left in the file afterwards (SQLite); null when the adapter does not know. */
  freePages: number | null;
}

/**
 * What the explore/exploit policy chose from for one served recommendation: with the impressions (same
 * `recommendationId`) it lets off-policy evaluation replay a candidate policy on the real candidate sets.
 * A slate the server logged in `'slate'` mode also carries what it showed (`shown`): the record of its impressions.
 */
export interface Decision {
  recommendationId: string;
  /** Stored (possibly pseudonymised) user id; erasing the user deletes their decisions. */
  userId: string;
  timestamp: EpochMs;
  policy: string;
  exploreWeight: number;
  /** In the order the policy received them. */
  candidates: DecisionCandidate[];
  /** The shown items in position order, when the slate's impressions are logged in this record (not as events). */
  shown?: ShownItem[];
  /** The session the slate was served in, when it has one (with `shown`). */
  sessionId?: string;
  /** "experiment/arm" when the slate was served in an experiment. */
  arm?: string;
}

export interface DecisionScanQuery {
  from?: EpochMs;
  /** Exclusive. */
  to?: EpochMs;
  batchSize?: number;
}

export interface EraseUserOptions {
  /** Keep the user record (attributes, consent); only events and decisions go. */
  keepRecord?: boolean;
}

export interface ItemAudienceQuery {
  /**
   * Only behaviour within this many milliseconds of the newest stored behaviour (the window is relative to
   * the store's newest event, as the live trending counters are); all of it when left out.
   */
  windowMs?: number;
  /** One user counts for at most this many items: the ones they acted on last. */
  maxItemsPerUser: number;
}

/** The distinct users of an item (see `Store.itemAudiences`). */
export interface ItemAudience {
  itemId: string;
  users: number;
}

/** What `Store.eraseUser` deleted. */
export interface ErasedRows {
  /** A user record (attributes and consent) was deleted. */
  user: boolean;
  /** Events of every type, impressions included. */
  events: number;
  /** Of those, impression events. */
  impressions: number;
  /** Logged decisions, served slates included. */
  decisions: number;
  /**
   * The space the rows held no longer holds their bytes: SQLite zeroes freed cells (`secure_delete`) and
   * truncates its write-ahead log after the erasure. False when the adapter cannot promise it (PostgreSQL
   * keeps dead tuples until VACUUM reuses their space), or when the log could not be truncated this time.
   */
  scrubbed: boolean;
}

/**
 * The one storage contract. Every adapter (SQLite today, PostgreSQL next) passes the same conformance
 * suite in `store.case.ts`. Methods are async so a networked adapter fits the same shape.
 */
export interface Store extends TrainingRecords, AccessRecords, PictureRecords {
  /** The URL scheme that opened it, e.g. "sqlite". */
  readonly kind: string;

  upsertItems(items: Item[]): Promise<number>;
  getItem(id: string): Promise<Item | null>;
  getItems(ids: string[]): Promise<Item[]>;
  /** Returns the patched item, or null when it does not exist. */
  patchItem(id: string, patch: ItemPatch): Promise<Item | null>;
  deleteItem(id: string): Promise<boolean>;
  /** Items in id order: from `offset`, or (a cursor that stays stable under writes) after the id `after`. */
  listItems(options?: ListOptions): Promise<Item[]>;
  scanItems(batchSize?: number): AsyncIterable<Item>;

  upsertUser(user: UserUpsert): Promise<User>;
  getUser(id: string): Promise<User | null>;
  /** User records in stored-id order, after the stored id `after` (a cursor); at most `limit` (default 100). */
  listUsers(options?: Omit<ListOptions, 'offset'>): Promise<User[]>;
  /** The subset of these user ids whose consent says tracking=false (ingestion refuses their events). */
  trackingRefused(ids: string[]): Promise<Set<string>>;

  /** Stores events atomically; an event id seen before is counted as a duplicate and never stored twice. */
  appendEvents(events: Event[]): Promise<AppendResult>;
  /**
   * Runs a large append (an import) in bulk mode: an adapter may suspend read indexes and rebuild them
   * once at the end when `expectedEvents` is large relative to what it holds. Reads stay correct meanwhile.
   */
  bulkLoad<T>(expectedEvents: number, work: () => Promise<T>): Promise<T>;
  userEvents(userId: string, query?: UserEventsQuery): Promise<Event[]>;
  /**
   * The same events as `userEvents`, in the same order, with only id, item, type and time: the read a
   * server makes for every user it has not seen lately, so adapters make it as cheap as they can.
   */
  userTimeline(userId: string, query?: UserEventsQuery): Promise<TimelineEvent[]>;
  /** Every matching event, ordered by (timestamp, arrival). */
  scanEvents(query?: ScanQuery): AsyncIterable<Event>;

  /** Stores decisions; one whose recommendationId is already stored is kept as it was. Returns how many were new. */
  appendDecisions(decisions: Decision[]): Promise<number>;
  /** Every decision in [from, to), ordered by (timestamp, arrival). */
  scanDecisions(query?: DecisionScanQuery): AsyncIterable<Decision>;
  /** The user's newest `limit` decisions that carry `shown` (their served slates), oldest first. */
  userSlates(userId: string, query?: { limit?: number }): Promise<UserSlate[]>;
  /** Every logged decision of the user (candidates, shown items, arm), oldest first: what an access request exports. */
  userDecisions(userId: string): Promise<Decision[]>;
  /** Retention: deletes decisions (with their slates) and impression events older than the given times, at most `limit` rows of each per call. */
  prune(query: PruneQuery): Promise<{ slates: number; impressionEvents: number }>;
  /** Retention per event type (`privacy.retentionDays`): deletes the oldest matching events, at most `limit` per call, in one transaction. */
  pruneEvents(query: EventPruneQuery): Promise<EventPruneResult>;
  /** After a retention pass: gives freed space back where the adapter can do so without locking readers out. */
  reclaimSpace(): Promise<ReclaimedSpace>;

  /** A JSON value saved under `key` with `putState` (runtime state such as the serving policy), or null. */
  getState(key: string): Promise<unknown>;
  /** Saves a JSON-safe value under `key`, replacing the previous one. */
  putState(key: string, value: unknown): Promise<void>;
  /** The states whose key starts with `prefix`, in byte order of the keys: at most `limit` (default 100) after the key `after`. */
  listState(prefix: string, options?: Omit<ListOptions, 'offset'>): Promise<Array<{ key: string; value: unknown }>>;
  /** Deletes the state saved under `key`; false when there was none. */
  deleteState(key: string): Promise<boolean>;

  /**
   * Erasure: the user, every event and every logged decision (and served slate) of theirs are gone, in one
   * transaction; an adapter that can also overwrite the space the rows held does so before it returns.
   * `keepRecord` erases the history only: the user record (attributes, consent) stays, so a refusal of
   * tracking given with it is remembered and their next events are refused.
   */
  eraseUser(id: string, options?: EraseUserOptions): Promise<ErasedRows>;

  counts(): Promise<StoreCounts>;
  stats(options?: { top?: number }): Promise<StoreStats>;
  /**
   * Per item, how many distinct users acted on it (any event but an impression), each user counting for at
   * most `maxItemsPerUser` items (their most recent): the bounded counts Curio publishes about items
   * (k-anonymity and differential privacy, docs/privacy.md "Safe aggregates"). Items nobody acted on are absent.
   */
  itemAudiences(query: ItemAudienceQuery): Promise<ItemAudience[]>;
  /** Throws when the store cannot serve (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** How a process means to use the store; adapters ignore what does not apply to them. */
export interface OpenStoreOptions {
  /** Long-running servers: do write-ahead-log maintenance off the request thread (SQLite: checkpoints in a worker). */
  backgroundCheckpoints?: boolean;
  /** Long-running servers: commit appended events and decisions off the request thread (SQLite: a writer thread with its own connection). */
  backgroundWrites?: boolean;
}
