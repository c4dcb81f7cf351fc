import { CurioError, EVENT_TYPES, type EpochMs, type Event, type EventType, type Item } from '../../core/index.js';
import type { Store } from '../../store/index.js';

/** Everything but impressions: impressions record what Curio showed, not what the shopper did. */
export const BEHAVIOUR_TYPES: EventType[] = EVENT_TYPES.filter((t) => t !== 'impression');

/** Every behaviour event of the store, oldest first. */
export async function behaviourEvents(store: Store): Promise<Event[]> {
  const events: Event[] = [];
  for await (const e of store.scanEvents({ types: BEHAVIOUR_TYPES })) events.push(e);
  return events;
}

/** The whole catalogue by id. */
export async function catalogue(store: Store): Promise<Map<string, Item>> {
  const items = new Map<string, Item>();
  for await (const i of store.scanItems()) items.set(i.id, i);
  return items;
}

/** The records of the items these events touch. */
export async function itemsOf(store: Store, events: readonly Event[]): Promise<Map<string, Item>> {
  const ids = [...new Set(events.map((e) => e.itemId).filter((id): id is string => id !== null))];
  return new Map((await store.getItems(ids)).map((i) => [i.id, i] as const));
}

/** A user's newest behaviour events (oldest first), optionally only those at or before `at`. */
export async function userBehaviour(
  store: Store,
  storedId: string,
  options: { limit: number; types?: EventType[]; at?: EpochMs },
): Promise<Event[]> {
  return store.userEvents(storedId, {
    limit: options.limit,
    types: options.types ?? BEHAVIOUR_TYPES,
    before: options.at === undefined ? undefined : options.at + 1,
  });
}

/** The subset of these stored user ids whose consent says personalization=false. */
export async function personalizationRefused(store: Store, ids: Iterable<string>): Promise<Set<string>> {
  const refused = new Set<string>();
  for (const id of new Set(ids)) {
    const user = await store.getUser(id);
    if (user && !user.consent.personalization) refused.add(id);
  }
  return refused;
}

/** Whom an insight request is about: the stored id and whether they allow personalisation. */
export interface UserAccess {
  storedId: string;
  personalization: boolean;
}

/** A user is known with a record or at least one event (as for GET /v1/users/:id/events); others are a 404. */
export async function requireUser(store: Store, storedId: string, rawId: string): Promise<UserAccess> {
  const user = await store.getUser(storedId);
  if (user) return { storedId, personalization: user.consent.personalization };
  if ((await store.userEvents(storedId, { limit: 1 })).length > 0) return { storedId, personalization: true };
  throw new CurioError('NOT_FOUND', `no user with id "${rawId}"`);
}
