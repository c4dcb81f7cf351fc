/** The behaviours a shop can report. The order is stable: models store the index as a behaviour token. */
export const EVENT_TYPES = [
  'view',
  'click',
  'cart',
  'remove_from_cart',
  'favorite',
  'purchase',
  'review',
  'rating',
  'search',
  'impression',
  'dislike',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** Bought or disliked items are never shown to the user again (the server's rules; the trainer's validation reads cases the same way). */
export const BLOCKING_TYPES: EventType[] = ['purchase', 'dislike'];

export type EventWeights = Readonly<Record<EventType, number>>;

/**
 * How strongly each behaviour signals interest, used by models and profiles.
 * purchase 5 > cart 3 > favorite 2 > click 1 > view 0.5; a dislike counts against.
 * Impressions and searches carry no item preference by themselves.
 */
export const DEFAULT_EVENT_WEIGHTS: EventWeights = {
  view: 0.5,
  click: 1,
  cart: 3,
  remove_from_cart: -1,
  favorite: 2,
  purchase: 5,
  review: 2,
  rating: 1,
  search: 0,
  impression: 0,
  dislike: -3,
};

/** Event types that must name an item; a search may not. */
export const ITEMLESS_EVENT_TYPES: ReadonlySet<EventType> = new Set(['search']);

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}
