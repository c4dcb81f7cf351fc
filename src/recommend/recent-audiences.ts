import type { Event } from '../core/index.js';
import { idHash } from './id-hash.js';

interface Seen {
  user: number;
  atMs: number;
}

/**
 * Per item, its k most recent distinct users (by a hash of the stored id) and when each last acted on it:
 * an item has at least k distinct users within the window exactly when its k-th most recent one is inside
 * it. Kept from the live events between releases of the published counts, so an item that reaches k users
 * may trend at once instead of at the next release. A hash collision merges two users into one, which only
 * ever suppresses more. Memory is k entries per item acted on.
 */
export class RecentAudiences {
  private readonly items = new Map<string, Seen[]>();
  private newestMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly k: number,
    /** Behaviour older than this, measured from the newest event seen, does not count (the trending window). */
    private readonly windowMs: number,
  ) {}

  /** Records stored behaviour (impressions are Curio's, not the shopper's choice, and do not count). */
  observe(events: readonly Event[]): void {
    if (this.k <= 1) return;
    for (const e of events) {
      if (e.itemId === null || e.type === 'impression') continue;
      this.newestMs = Math.max(this.newestMs, e.timestamp);
      const user = idHash(e.userId);
      let seen = this.items.get(e.itemId);
      if (!seen) this.items.set(e.itemId, (seen = []));
      const at = seen.findIndex((s) => s.user === user);
      if (at >= 0) seen[at].atMs = Math.max(seen[at].atMs, e.timestamp);
      else seen.push({ user, atMs: e.timestamp });
      seen.sort((a, b) => b.atMs - a.atMs);
      if (seen.length > this.k) seen.length = this.k;
    }
  }

  /** Whether at least k distinct users acted on the item within the window. */
  reaches(itemId: string): boolean {
    const seen = this.items.get(itemId);
    if (!seen || seen.length < this.k) return false;
    return seen[this.k - 1].atMs >= this.newestMs - this.windowMs;
  }

  /** An erased user's entries go (their hash, so a colliding user's go too: safe, they are re-learned). */
  forget(userId: string): void {
    const user = idHash(userId);
    for (const seen of this.items.values()) {
      const at = seen.findIndex((s) => s.user === user);
      if (at >= 0) seen.splice(at, 1);
    }
  }
}
