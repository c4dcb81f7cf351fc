// Tiny hand-made catalogue and event builders shared by this stage's tests.
import type { Event, EventType, Item } from '../../src/core/index.js';

export const T0 = Date.UTC(2024, 0, 1);
export const DAY = 86_400_000;

/** An item with defaults for the fields a test does not care about. */
export function item(id: string, categoryPath: string[], extra: Partial<Item> = {}): Item {
  return {
    id,
    title: '',
    description: '',
    categoryPath,
    tags: [],
    brand: null,
    price: null,
    attributes: {},
    available: true,
    createdAt: T0,
    ...extra,
  };
}

let seq = 0;
/** An event with a fresh id. */
export function ev(userId: string, itemId: string | null, type: EventType, timestamp: number, extra: Partial<Event> = {}): Event {
  return { id: `e${seq++}`, userId, itemId, type, value: null, timestamp, sessionId: null, context: {}, ...extra };
}

export function catalogue(items: Item[]): Map<string, Item> {
  return new Map(items.map((i) => [i.id, i]));
}
