import type { Consent, Event, User } from '../core/index.js';
import type { Store, TimelineEvent, UserSlate } from '../store/index.js';
import { EventList } from './event-list.js';
import { BLOCKING_TYPES, STATE_TYPES, type HistoryEvent } from './history.js';

/** Bought or disliked items are looked up this far back when a user is read. */
const BLOCKED_LOOKBACK_EVENTS = 1000;

/** What a slate needs to know about a user. */
export interface RecentActivity {
  /** The user has a stored record (consent or attributes). */
  known: boolean;
  consent: Consent;
  /** The newest state events (at most historyLength), oldest first. */
  history: HistoryEvent[];
  /** Items of the newest impressions (at most noRepeatImpressions events). */
  shown: string[];
  /** Bought or disliked items (live: do not modify). */
  blocked: ReadonlySet<string>;
}

export interface RecentActivityOptions {
  historyLength: number;
  noRepeatImpressions: number;
  /** Entries older than this are read again (bounds staleness from writers in other processes); 0 = no cache. */
  maxAgeMs: number;
  /** Least recently used users beyond this are dropped. */
  maxUsers?: number;
  /**
   * The canonical string of an item id (the catalogue's own), so cached users share one string per item
   * instead of one per event read from the store; ids it does not know are kept as they are.
   */
  internItemId?: (itemId: string) => string;
  /**
   * The user's events written by this process but maybe not yet in the store (buffered impressions): a
   * user read from the store meanwhile must still have them.
   */
  unwritten?: (userId: string) => readonly Event[];
  /** Told when a cached user's consent turns from tracking to refusing it (the runtime drops what it buffered of theirs). */
  trackingWithdrawn?: (userId: string) => void;
  clock?: () => number;
}

interface Entry {
  loadedAtMs: number;
  known: boolean;
  consent: Consent;
  /** Newest last; id hashes keep a re-delivered event from counting twice. */
  history: EventList;
  shown: EventList;
  blocked: Set<string>;
}

const STATE = new Set<string>(STATE_TYPES);
/** Items a served slate usually has (the default slate size), for sizing the read of a user's newest slates. */
const SLATE_ITEMS_GUESS = 10;
const OPEN: Consent = { tracking: true, personalization: true };

/**
 * Per user, the consent, newest state events, newest impressions and blocked items: read from the store
 * (`userTimeline`, the slim read) on a user's first request, then kept current from the change feed's
 * stored events and from the runtime's own impressions as it serves them. It replaces four store reads per
 * request. Writes made by other processes are picked up when an entry expires (`maxAgeMs`); consent is the
 * exception, read again on every request (see `get`).
 */
export class RecentActivityCache {
  private readonly users = new Map<string, Entry>();
  /** Events that arrived while a user's entry was being read, applied when the read completes. */
  private readonly loading = new Map<string, Event[]>();
  /** Users erased while their entry was being read: the read (from before the erasure) is not cached. */
  private readonly forgotten = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly options: RecentActivityOptions,
  ) {}

  /**
   * The user's recent activity (from the cache when fresh), with their consent as the store holds it now:
   * one primary-key read per request, so a withdrawal made through another node holds at this node's very
   * next request, not when the change feed happens to bring it (docs/privacy.md, "Consent").
   */
  async get(userId: string): Promise<RecentActivity> {
    const cached = this.users.get(userId);
    if (cached && this.now() - cached.loadedAtMs < this.options.maxAgeMs) {
      // Map order is recency of use: re-inserting keeps hot users away from eviction.
      this.users.delete(userId);
      this.users.set(userId, cached);
      const user = await this.store.getUser(userId);
      // Erased while the read was out: what was cached is gone from the store, so read what is left.
      if (this.users.get(userId) !== cached) return view(await this.load(userId));
      if (user) this.setConsent(userId, cached, user.consent);
      return view(cached);
    }
    return view(await this.load(userId));
  }

  /** Applies newly stored events to the cached users they belong to. */
  observe(events: readonly Event[]): void {
    for (const e of events) {
      const entry = this.users.get(e.userId);
      if (entry) this.apply(entry, e);
      this.loading.get(e.userId)?.push(e);
    }
  }

  /** Records a stored user's new consent. */
  userStored(user: User): void {
    const entry = this.users.get(user.id);
    if (!entry) return;
    entry.known = true;
    this.setConsent(user.id, entry, user.consent);
  }

  private setConsent(userId: string, entry: Entry, consent: Consent): void {
    const withdrawn = entry.consent.tracking && !consent.tracking;
    entry.known = true;
    entry.consent = consent;
    if (withdrawn) this.options.trackingWithdrawn?.(userId);
  }

  /** Whether the user's activity is cached (or being read). */
  holds(userId: string): boolean {
    return this.users.has(userId) || this.loading.has(userId);
  }

  /** Drops a user (after erasure), and keeps a read of theirs in progress from caching what it read. */
  forget(userId: string): void {
    this.users.delete(userId);
    const arrived = this.loading.get(userId);
    if (arrived) {
      arrived.length = 0;
      this.forgotten.add(userId);
    }
  }

  private async load(userId: string): Promise<Entry> {
    const { historyLength, noRepeatImpressions, maxAgeMs } = this.options;
    const loadedAtMs = this.now();
    const arrived: Event[] = [];
    this.loading.set(userId, arrived);
    // Taken before the reads: what is written after this is in the store or arrives through `observe`.
    const unwritten = this.options.unwritten?.(userId) ?? [];
    try {
      const none = Promise.resolve<TimelineEvent[]>([]);
      const [user, events, shown, blocking] = await Promise.all([
        this.store.getUser(userId),
        this.store.userTimeline(userId, { limit: historyLength, types: STATE_TYPES }),
        noRepeatImpressions > 0 ? this.shownTimeline(userId, noRepeatImpressions) : none,
        this.store.userTimeline(userId, { limit: BLOCKED_LOOKBACK_EVENTS, types: BLOCKING_TYPES }),
      ]);
      const entry: Entry = {
        loadedAtMs,
        known: user !== null,
        consent: user?.consent ?? OPEN,
        history: new EventList(historyLength),
        shown: new EventList(noRepeatImpressions),
        blocked: new Set(),
      };
      for (const e of [...events, ...shown, ...unwritten, ...arrived]) this.apply(entry, e);
      for (const e of blocking) if (e.itemId !== null) entry.blocked.add(this.intern(e.itemId));
      // Cached before `loading` lets go of the user, so no event can fall between the two.
      if (maxAgeMs > 0 && !this.forgotten.has(userId)) {
        this.users.delete(userId);
        this.users.set(userId, entry);
        if (this.users.size > (this.options.maxUsers ?? 50_000)) this.users.delete(this.users.keys().next().value as string);
      }
      return entry;
    } finally {
      this.loading.delete(userId);
      this.forgotten.delete(userId);
    }
  }

  /**
   * The user's newest `n` impressions: impression events (the shop's own, and the server's in `'events'`
   * mode) and the items of the user's newest served slates (`'slate'` mode), under the ids the events
   * would have had, so one slate seen both ways counts once.
   */
  private async shownTimeline(userId: string, n: number): Promise<TimelineEvent[]> {
    const [events, slates] = await Promise.all([
      this.store.userTimeline(userId, { limit: n, types: ['impression'] }),
      this.newestSlates(userId, n),
    ]);
    const shown: TimelineEvent[] = [...events];
    for (const s of slates)
      s.itemIds.forEach((itemId, position) =>
        shown.push({ id: `imp:${s.recommendationId}:${position}`, itemId, type: 'impression', timestamp: s.timestamp }),
      );
    return shown;
  }

  /** Enough of the user's newest slates for `n` items: a first read sized for slates of ten, a second when they were shorter. */
  private async newestSlates(userId: string, n: number): Promise<UserSlate[]> {
    const limit = Math.ceil(n / SLATE_ITEMS_GUESS) + 1;
    const first = await this.store.userSlates(userId, { limit });
    if (first.length < limit || first.reduce((k, s) => k + s.itemIds.length, 0) >= n) return first;
    return this.store.userSlates(userId, { limit: n });
  }

  private apply(entry: Entry, e: Pick<Event, 'id' | 'itemId' | 'type' | 'timestamp'>): void {
    if (e.itemId === null) return;
    const itemId = this.intern(e.itemId);
    if (BLOCKING_TYPES.includes(e.type)) entry.blocked.add(itemId);
    if (e.type === 'impression') {
      entry.shown.insert(e.id, itemId, e.type, e.timestamp);
    } else if (STATE.has(e.type)) {
      entry.history.insert(e.id, itemId, e.type, e.timestamp);
    }
  }

  private intern(itemId: string): string {
    return this.options.internItemId?.(itemId) ?? itemId;
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }
}

function view(entry: Entry): RecentActivity {
  return {
    known: entry.known,
    consent: entry.consent,
    history: entry.history.map((itemId, type, timestamp) => ({ itemId, type, timestamp })),
    shown: entry.shown.map((itemId) => itemId),
    blocked: entry.blocked,
  };
}
