import { BLOCKING_TYPES, type HistoryEvent } from './history.js';
import type { RecentActivity } from './recent-activity.js';

/** Which kind of slate a request gets; the response says which. */
export type RecommendationMode = 'personalized' | 'non-personalized' | 'cold-start' | 'session';

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

/**
 * A user's profile from their recent activity: unknown users get cold start, users with
 * consent.personalization=false get non-personalised slates (their history is not used).
 */
export function userProfile(storedUserId: string, activity: RecentActivity): Profile {
  const { known, consent, history, shown, blocked } = activity;
  const empty = { storedUserId, tracking: consent.tracking, history: [], blocked: new Set<string>(), recentlyShown: new Set<string>() };
  if (!consent.personalization) return { ...empty, mode: 'non-personalized' };
  if (history.length === 0 && !known && shown.length === 0) return { ...empty, mode: 'cold-start' };
  return { ...empty, mode: history.length > 0 ? 'personalized' : 'cold-start', history, blocked, recentlyShown: new Set(shown) };
}

/** A profile from an anonymous visitor's recent events (sent in the request body). */
export function sessionProfile(history: HistoryEvent[], tracking: boolean): Profile {
  const blocked = new Set(history.filter((e) => BLOCKING_TYPES.includes(e.type)).map((e) => e.itemId));
  return { mode: history.length > 0 ? 'session' : 'cold-start', storedUserId: null, tracking, history, blocked, recentlyShown: new Set() };
}
