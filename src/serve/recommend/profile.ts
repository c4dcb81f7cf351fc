import type { Consent, EventType } from '../../core/index.js';
import type { Store } from '../../store/index.js';

/** Which kind of slate a request gets; the response says which. */
export type RecommendationMode = 'personalized' | 'non-personalized' | 'cold-start' | 'session';

/** One behaviour event of a user's state, oldest first. */
export interface HistoryEvent {
  itemId: string;
  type: EventType;
  timestamp: number;
}

/** What the pipeline knows about the person asking, read from the store (or a request body) just now. */
export interface Profile {
  mode: RecommendationMode;
  /** Stored (possibly pseudonymised) user id; null for an anonymous session. */
  storedUserId: string | null;
  /** May the server append impression events for them? */
  tracking: boolean;
  history: HistoryEvent[];
  /** Never show: bought or disliked. */
  blocked: ReadonlySet<string>;
  /** Shown in the last N impressions (the no-repeat rule). */
  recentlyShown: Set<string>;
}

/** Behaviours that make up a user's state (impressions and searches say nothing about an item by themselves). */
export const STATE_TYPES: EventType[] = ['view', 'click', 'cart', 'remove_from_cart', 'favorite', 'purchase', 'review', 'rating', 'dislike'];
const BLOCKING_TYPES: EventType[] = ['purchase', 'dislike'];

export interface ReadProfileOptions {
  historyLength: number;
  noRepeatImpressions: number;
  /** The user's bought and disliked items (cached by the runtime, see BlockedItems). */
  blocked: (storedUserId: string) => Promise<ReadonlySet<string>>;
}

/**
 * Reads a user's consent and newest events: unknown users get cold start, users with
 * consent.personalization=false get non-personalised slates (their events are not read at all).
 */
export async function readProfile(store: Store, storedUserId: string, options: ReadProfileOptions): Promise<Profile> {
  const user = await store.getUser(storedUserId);
  const consent: Consent = user?.consent ?? { tracking: true, personalization: true };
  const empty = { storedUserId, tracking: consent.tracking, history: [], blocked: new Set<string>(), recentlyShown: new Set<string>() };
  if (!consent.personalization) return { ...empty, mode: 'non-personalized' };
  const events = await store.userEvents(storedUserId, { limit: options.historyLength, types: STATE_TYPES });
  const shown = options.noRepeatImpressions > 0 ? await store.userEvents(storedUserId, { limit: options.noRepeatImpressions, types: ['impression'] }) : [];
  if (events.length === 0 && !user && shown.length === 0) return { ...empty, mode: 'cold-start' };
  const history: HistoryEvent[] = [];
  for (const e of events) if (e.itemId !== null) history.push({ itemId: e.itemId, type: e.type, timestamp: e.timestamp });
  return {
    ...empty,
    mode: history.length > 0 ? 'personalized' : 'cold-start',
    history,
    blocked: history.length > 0 ? await options.blocked(storedUserId) : new Set<string>(),
    recentlyShown: new Set(shown.flatMap((e) => (e.itemId === null ? [] : [e.itemId]))),
  };
}

/** A profile from an anonymous visitor's recent events (sent in the request body). */
export function sessionProfile(history: HistoryEvent[], tracking: boolean): Profile {
  const blocked = new Set(history.filter((e) => BLOCKING_TYPES.includes(e.type)).map((e) => e.itemId));
  return { mode: history.length > 0 ? 'session' : 'cold-start', storedUserId: null, tracking, history, blocked, recentlyShown: new Set() };
}
