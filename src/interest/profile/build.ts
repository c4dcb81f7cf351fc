import type { EpochMs, Event, EventWeights, Item } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import { hybridEmbeddings } from '../math/embeddings.js';
import { interestClusters, type InterestClusters } from './clusters.js';
import { InterestProfile } from './profile.js';
import type { InterestProfileOptions, InterestSnapshot } from './types.js';

export interface ProfileFromEventsOptions extends InterestProfileOptions {
  weights?: EventWeights;
}

/** Builds a user's profile from their events (any order; other users' events are skipped). */
export function profileFromEvents(
  userId: string,
  events: Iterable<Event>,
  items: ReadonlyMap<string, Item>,
  options: ProfileFromEventsOptions = {},
): InterestProfile {
  const { weights, ...profileOptions } = options;
  const profile = new InterestProfile(userId, profileOptions, weights);
  const mine = [...events].filter((e) => e.userId === userId).sort((a, b) => a.timestamp - b.timestamp);
  for (const e of mine) profile.apply(e, e.itemId === null ? null : (items.get(e.itemId) ?? null));
  return profile;
}

/** The full answer for `GET /v1/users/:id/interests`: affinities, drift and multi-interest clusters. */
export interface UserInterests extends InterestSnapshot {
  clusters: InterestClusters;
}

export interface UserInterestsOptions extends ProfileFromEventsOptions {
  /** Item embeddings (e.g. from a trained model); default: co-occurrence + content embeddings of the user's own items. */
  embeddings?: ReadonlyMap<string, Float32Array>;
  /** Events used to learn fallback co-occurrence embeddings (default: the user's own events). */
  cooccurrenceEvents?: Iterable<Event>;
  maxClusters?: number;
  seed?: number;
  /** Snapshot time; default the newest event. */
  asOf?: EpochMs;
}

/** Profile, drift and clusters from plain arrays. An empty history gives empty lists, drift 0 and no clusters. */
export function userInterests(
  userId: string,
  events: readonly Event[],
  items: ReadonlyMap<string, Item>,
  options: UserInterestsOptions = {},
): UserInterests {
  const profile = profileFromEvents(userId, events, items, options);
  const embeddings = options.embeddings ?? hybridEmbeddings(options.cooccurrenceEvents ?? events, items);
  const clusters = interestClusters({
    itemWeights: profile.itemWeights(),
    items,
    embeddings,
    maxK: options.maxClusters,
    seed: options.seed,
  });
  return { ...profile.snapshot(options.asOf), clusters };
}

export interface StoreInterestsOptions extends UserInterestsOptions {
  /** Newest events read for the user. Default 5000. */
  maxEvents?: number;
}

/** `userInterests` reading the user's events and items from a store; an unknown user gets an empty profile. */
export async function userInterestsFromStore(store: Store, userId: string, options: StoreInterestsOptions = {}): Promise<UserInterests> {
  const events = await store.userEvents(userId, { limit: options.maxEvents ?? 5000 });
  const ids = [...new Set(events.map((e) => e.itemId).filter((id): id is string => id !== null))];
  const items = new Map((await store.getItems(ids)).map((i) => [i.id, i] as const));
  return userInterests(userId, events, items, options);
}
