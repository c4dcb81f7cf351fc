import type { Event, Item, User } from '../core/index.js';
import type { SlateShown } from './store.js';

/**
 * What was written to the store, said once after it is stored. `origin` names the writer (a serving
 * runtime logging its own impressions, say), so a subscriber can leave out what it applied itself.
 */
export type Change = { origin?: string } & (
  | { kind: 'events-stored'; /** Newly stored events only: duplicates of stored ids are left out. */ events: readonly Event[] }
  | { kind: 'items-stored'; items: readonly Item[] }
  | { kind: 'item-deleted'; itemId: string }
  | { kind: 'users-stored'; /** Users created or updated (consent changes), by stored id. */ users: readonly User[] }
  | { kind: 'user-erased'; /** The stored (possibly pseudonymised) id. */ userId: string }
  | {
      kind: 'picture-changed';
      /** An item whose picture or embedding was stored or deleted: read it again from the store. */ itemId: string;
    }
  | {
      kind: 'slates-served';
      /** Slates a runtime served and stored in `'slate'` mode: their impressions, one record per slate. */ slates: readonly SlateShown[];
    }
);

export type ChangeKind = Change['kind'];

/** Called with each change in the order it was published; must not throw (a failure is the subscriber's). */
export type ChangeHandler = (change: Change) => void;

/**
 * The seam between the writers (the Ingestor) and everything that keeps live state over the store
 * (the serving runtime's caches, trending, filters, feedback). Published once per write; subscribers
 * apply each change idempotently, so a bus that redelivers (the cluster's) changes nothing.
 */
export interface ChangeFeed {
  publish(change: Change): void;
  /** Starts delivering changes to `handler`; the returned function stops it. */
  subscribe(handler: ChangeHandler): () => void;
  /**
   * A feed that keeps what it carried (a cluster's bus keeps changes for nodes that were away) removes every
   * change naming a user `erased` matches (by stored id). The erasure notices themselves are kept while
   * younger than `keepNoticesMs`, so a node that was away still hears of the erasure. Absent: nothing is kept.
   */
  forgetUsers?(erased: (storedUserId: string) => boolean, options: { keepNoticesMs: number }): Promise<ForgottenChanges>;
}

/** What `ChangeFeed.forgetUsers` removed and what it kept for now. */
export interface ForgottenChanges {
  removed: number;
  /** Erasure notices younger than `keepNoticesMs`. */
  keptNotices: number;
}

/** The stored user ids a change names. */
export function changeUserIds(change: Change): string[] {
  switch (change.kind) {
    case 'events-stored':
      return change.events.map((e) => e.userId);
    case 'users-stored':
      return change.users.map((u) => u.id);
    case 'slates-served':
      return change.slates.map((s) => s.userId);
    case 'user-erased':
      return [change.userId];
    default:
      return [];
  }
}

/** The single-process feed: delivers synchronously, in publish order, to every subscriber. */
export class LocalChangeFeed implements ChangeFeed {
  private handlers: ChangeHandler[] = [];

  publish(change: Change): void {
    for (const handler of this.handlers) handler(change);
  }

  subscribe(handler: ChangeHandler): () => void {
    this.handlers = [...this.handlers, handler];
    return () => {
      this.handlers = this.handlers.filter((h) => h !== handler);
    };
  }
}
