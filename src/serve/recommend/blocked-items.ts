import type { Event } from '../../core/index.js';
import type { Store } from '../../store/index.js';

/** Bought or disliked items are looked up this far back when a user is first seen. */
const LOOKBACK_EVENTS = 1000;

/**
 * Per user, the items never to show again (bought or disliked). Read from the store once per user, then
 * kept current from the stored-event stream, so the hot path does not scan a user's whole history (the
 * store's type filter walks every event of the user). Least recently loaded users are forgotten first.
 */
export class BlockedItems {
  private readonly users = new Map<string, Set<string>>();
  /** Events that arrived while a user's set was being read, merged in when the read completes. */
  private readonly loading = new Map<string, string[]>();

  constructor(
    private readonly store: Store,
    private readonly maxUsers = 100_000,
  ) {}

  /** The user's blocked item ids (the returned set is live; do not modify it). */
  async get(userId: string): Promise<ReadonlySet<string>> {
    const cached = this.users.get(userId);
    if (cached) return cached;
    const arrived: string[] = [];
    this.loading.set(userId, arrived);
    try {
      const events = await this.store.userEvents(userId, { limit: LOOKBACK_EVENTS, types: ['purchase', 'dislike'] });
      const set = new Set<string>(arrived);
      for (const e of events) if (e.itemId !== null) set.add(e.itemId);
      this.users.set(userId, set);
      if (this.users.size > this.maxUsers) this.users.delete(this.users.keys().next().value as string);
      return set;
    } finally {
      this.loading.delete(userId);
    }
  }

  /** Adds newly stored purchases and dislikes. */
  observe(events: readonly Event[]): void {
    for (const e of events) {
      if ((e.type !== 'purchase' && e.type !== 'dislike') || e.itemId === null) continue;
      this.users.get(e.userId)?.add(e.itemId);
      this.loading.get(e.userId)?.push(e.itemId);
    }
  }

  /** Drops a user (after erasure). */
  forget(userId: string): void {
    this.users.delete(userId);
  }
}
