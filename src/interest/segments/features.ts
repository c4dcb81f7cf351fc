import { DEFAULT_EVENT_WEIGHTS, type EpochMs, type Event, type EventWeights, type Item } from '../../core/index.js';
import { DAY_MS, decayFactor } from '../profile/types.js';
import { median } from '../math/distribution.js';
import { DEFAULT_SESSION_GAP_MINUTES, sessionise } from '../math/sessions.js';

/** What segmentation knows about one user: interest shares plus recency, frequency, monetary and session habits. */
export interface UserFeatures {
  userId: string;
  /** Share of decayed positive behaviour per category (same order as the model's `categories`; "other" last). */
  interests: number[];
  recencyDays: number;
  sessions: number;
  events: number;
  /** Sum of purchase amounts (item price, or the event value when the price is unknown). */
  monetary: number;
  /** Sessions with at least one purchase. */
  orders: number;
  medianSessionEvents: number;
  medianSessionMinutes: number;
}

export interface UserFeatureOptions {
  /** Time the recency is measured from. Default: the newest event seen. */
  asOf?: EpochMs;
  /** Category vocabulary; default: the most active categories (see `topCategories`). */
  categories?: string[];
  /** How many category levels name a category (1 = root only). Default 1. */
  categoryDepth?: number;
  sessionGapMinutes?: number;
  halfLifeDays?: number;
  weights?: EventWeights;
}

/** The category key of an item at the given depth, or null when it has none. */
export function categoryKey(item: Item | undefined, depth: number): string | null {
  return item && item.categoryPath.length ? item.categoryPath.slice(0, depth).join(' > ') : null;
}

/** The `max` categories with the most positive behaviour, most active first. */
export function topCategories(
  events: Iterable<Event>,
  items: ReadonlyMap<string, Item>,
  options: { max: number; depth: number; weights?: EventWeights },
): string[] {
  const weights = options.weights ?? DEFAULT_EVENT_WEIGHTS;
  const counts = new Map<string, number>();
  for (const e of events) {
    const key = e.itemId === null ? null : categoryKey(items.get(e.itemId), options.depth);
    if (key && weights[e.type] > 0) counts.set(key, (counts.get(key) ?? 0) + weights[e.type]);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, options.max)
    .map(([k]) => k);
}

/** Purchase amount of one event: item price (times a quantity value when given), else the value itself. */
export function purchaseAmount(e: Event, item: Item | undefined): number {
  if (e.type !== 'purchase') return 0;
  if (item?.price != null) return item.price;
  return e.value !== null && e.value > 0 ? e.value : 0;
}

/** One user's features from their time-ordered events. */
export function userFeatures(
  userId: string,
  events: readonly Event[],
  items: ReadonlyMap<string, Item>,
  options: Required<Pick<UserFeatureOptions, 'categories'>> & UserFeatureOptions,
): UserFeatures {
  const weights = options.weights ?? DEFAULT_EVENT_WEIGHTS;
  const depth = options.categoryDepth ?? 1;
  const asOf = options.asOf ?? (events.length ? events[events.length - 1].timestamp : 0);
  const index = new Map(options.categories.map((c, i) => [c, i]));
  const interests = new Array<number>(options.categories.length + 1).fill(0);
  let monetary = 0;
  for (const e of events) {
    const item = e.itemId === null ? undefined : items.get(e.itemId);
    monetary += purchaseAmount(e, item);
    const key = categoryKey(item, depth);
    if (key === null || weights[e.type] <= 0) continue;
    interests[index.get(key) ?? options.categories.length] +=
      weights[e.type] * decayFactor(Math.max(0, asOf - e.timestamp), options.halfLifeDays ?? 30);
  }
  const total = interests.reduce((a, b) => a + b, 0);
  const sessions = sessionise(events, options.sessionGapMinutes ?? DEFAULT_SESSION_GAP_MINUTES);
  return {
    userId,
    interests: interests.map((v) => (total > 0 ? v / total : 0)),
    recencyDays: events.length ? Math.max(0, asOf - events[events.length - 1].timestamp) / DAY_MS : 0,
    sessions: sessions.length,
    events: events.length,
    monetary,
    orders: sessions.filter((s) => s.some((e) => e.type === 'purchase')).length,
    medianSessionEvents: median(sessions.map((s) => s.length)),
    medianSessionMinutes: median(sessions.map((s) => (s[s.length - 1].timestamp - s[0].timestamp) / 60_000)),
  };
}
