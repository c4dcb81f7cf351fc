import type { Event, Item, User } from '../core/index.js';
import type { AppendResult, Store } from '../store/index.js';

/** What the serving runtime hears about writes, after they are stored. */
export interface StoreListener {
  /** Newly stored events only (duplicates of stored ids are left out). */
  eventsStored(events: Event[]): void;
  itemsStored(items: Item[]): void;
  itemDeleted(id: string): void;
  /** Users created or updated (consent changes). */
  usersStored(users: User[]): void;
  userErased(id: string): void;
}

/** The events of a batch that the store actually inserted: the first occurrence of each non-duplicate id. */
export function storedEvents(events: readonly Event[], result: AppendResult): Event[] {
  if (result.duplicates === 0) return [...events];
  const duplicates = new Map<string, number>();
  for (const id of result.duplicateIds) duplicates.set(id, (duplicates.get(id) ?? 0) + 1);
  const occurrences = new Map<string, number>();
  for (const e of events) occurrences.set(e.id, (occurrences.get(e.id) ?? 0) + 1);
  const seen = new Set<string>();
  return events.filter((e) => {
    if (seen.has(e.id)) return false;
    seen.add(e.id);
    return (occurrences.get(e.id) ?? 0) > (duplicates.get(e.id) ?? 0);
  });
}

/**
 * Wraps a store so the serving runtime sees every write made through it (events, item upserts, patches,
 * deletes and erasures) right after it is stored: the feedback loop, trending counters and stock rules react at
 * once without polling. Every other method is the store's own.
 */
export function tapStore(store: Store, listener: StoreListener): Store {
  const overrides: Partial<Store> = {
    async appendEvents(events) {
      const result = await store.appendEvents(events);
      listener.eventsStored(storedEvents(events, result));
      return result;
    },
    async upsertItems(items) {
      const n = await store.upsertItems(items);
      listener.itemsStored(items);
      return n;
    },
    async patchItem(id, patch) {
      const item = await store.patchItem(id, patch);
      if (item) listener.itemsStored([item]);
      return item;
    },
    async deleteItem(id) {
      const deleted = await store.deleteItem(id);
      if (deleted) listener.itemDeleted(id);
      return deleted;
    },
    async upsertUser(user) {
      const stored = await store.upsertUser(user);
      listener.usersStored([stored]);
      return stored;
    },
    async eraseUser(id) {
      const erased = await store.eraseUser(id);
      listener.userErased(id);
      return erased;
    },
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (typeof property === 'string' && property in overrides) return overrides[property as keyof Store];
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
