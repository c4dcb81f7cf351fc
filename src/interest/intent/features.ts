import type { EpochMs, Event, EventType, Item } from '../../core/index.js';
import { DAY_MS } from '../profile/types.js';

/** Behaviours that are the shopper's own actions in a session (impressions, ratings and reviews are not). */
export const SESSION_ACTIONS: ReadonlySet<EventType> = new Set([
  'view',
  'click',
  'cart',
  'remove_from_cart',
  'favorite',
  'purchase',
  'search',
  'dislike',
]);

const COUNTED = ['view', 'click', 'cart', 'remove_from_cart', 'favorite', 'search', 'dislike'] as const;

/** Feature names in vector order. */
export const INTENT_FEATURES = [
  ...COUNTED.map((t) => `session_${t}s`),
  'session_events',
  'session_minutes',
  'dwell_seconds',
  'cart_open',
  'last_is_view',
  'last_is_click',
  'last_is_cart',
  'last_is_favorite',
  'last_is_search',
  'item_price',
  'item_price_known',
  'cart_value',
  'distinct_item_ratio',
  'repeat_item',
  'prior_sessions',
  'prior_conversion_rate',
  'days_since_last_session',
  'first_session',
  'prior_open_cart',
  'hour_sin',
  'hour_cos',
] as const;

/** What is known about a shopper before the current session. */
export interface ShopperHistory {
  sessions: number;
  purchaseSessions: number;
  purchases: number;
  lastSessionEnd: EpochMs | null;
  /** Items carted in earlier sessions and not bought since. */
  openCart: Set<string>;
}

export const emptyHistory = (): ShopperHistory => ({
  sessions: 0,
  purchaseSessions: 0,
  purchases: 0,
  lastSessionEnd: null,
  openCart: new Set(),
});

/** Folds a finished session into the history. */
export function addSession(h: ShopperHistory, session: readonly Event[]): void {
  h.sessions++;
  let bought = false;
  for (const e of session) {
    if (e.itemId === null) continue;
    if (e.type === 'cart') h.openCart.add(e.itemId);
    if (e.type === 'remove_from_cart' || e.type === 'purchase') h.openCart.delete(e.itemId);
    if (e.type === 'purchase') [bought, h.purchases] = [true, h.purchases + 1];
  }
  if (bought) h.purchaseSessions++;
  h.lastSessionEnd = session.length ? session[session.length - 1].timestamp : h.lastSessionEnd;
}

/** The feature vector after the session's first `prefix.length` events (an empty prefix: a session about to start at `now`). */
export function intentFeatures(
  history: ShopperHistory,
  prefix: readonly Event[],
  items: ReadonlyMap<string, Item>,
  now: EpochMs,
): Float64Array {
  const counts = Object.fromEntries(COUNTED.map((t) => [t, 0])) as Record<string, number>;
  const seen = new Set<string>();
  let cartValue = 0;
  let open = 0;
  for (const e of prefix) {
    if (e.type in counts) counts[e.type]++;
    if (e.itemId !== null) seen.add(e.itemId);
    const price = e.itemId === null ? null : (items.get(e.itemId)?.price ?? null);
    if (e.type === 'cart') [open, cartValue] = [open + 1, cartValue + (price ?? 0)];
    if (e.type === 'remove_from_cart' || e.type === 'purchase') open = Math.max(0, open - 1);
  }
  const last = prefix[prefix.length - 1];
  const prev = prefix[prefix.length - 2];
  const price = last?.itemId ? (items.get(last.itemId)?.price ?? null) : null;
  const withItem = prefix.filter((e) => e.itemId !== null).length;
  const hour = ((now % DAY_MS) / DAY_MS) * 2 * Math.PI;
  const lastIs = (t: EventType): number => (last?.type === t ? 1 : 0);
  return Float64Array.from([
    ...COUNTED.map((t) => Math.log1p(counts[t])),
    Math.log1p(prefix.length),
    Math.log1p(prefix.length ? (last.timestamp - prefix[0].timestamp) / 60_000 : 0),
    Math.log1p(prev ? (last.timestamp - prev.timestamp) / 1000 : 0),
    open > 0 ? 1 : 0,
    lastIs('view'),
    lastIs('click'),
    lastIs('cart'),
    lastIs('favorite'),
    lastIs('search'),
    Math.log1p(price ?? 0),
    price === null ? 0 : 1,
    Math.log1p(cartValue),
    withItem ? seen.size / withItem : 1,
    last?.itemId && prefix.slice(0, -1).some((e) => e.itemId === last.itemId) ? 1 : 0,
    Math.log1p(history.sessions),
    (history.purchaseSessions + 0.1) / (history.sessions + 1),
    Math.log1p(history.lastSessionEnd === null ? 0 : Math.max(0, (prefix[0]?.timestamp ?? now) - history.lastSessionEnd) / DAY_MS),
    history.sessions === 0 ? 1 : 0,
    history.openCart.size > 0 ? 1 : 0,
    Math.sin(hour),
    Math.cos(hour),
  ]);
}
