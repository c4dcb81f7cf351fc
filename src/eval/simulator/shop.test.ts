import { describe, expect, it } from 'vitest';
import { CurioError, type Event } from '../../core/index.js';
import { eventInputSchema, itemInputSchema } from '../../ingest/index.js';
import { createShop } from './shop.js';

const SMALL = { seed: 7, users: 400, items: 500, days: 14 };
const shop = createShop(SMALL);
const events = [...shop.events()];

describe('createShop', () => {
  it('fills defaults and rejects bad options with every problem located', () => {
    expect(createShop({ users: 3, items: 10, days: 1 }).options).toMatchObject({ seed: 42, categories: 8, sessionsPerUserPerDay: 0.25 });
    try {
      createShop({ users: 0, categories: 11, bogus: 1 } as never);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CurioError);
      const paths = (error as CurioError).problems.map((p) => p.path);
      expect(paths).toEqual(expect.arrayContaining(['users', 'categories']));
    }
  });

  it('is deterministic for a seed and differs with another seed', () => {
    const again = [...createShop(SMALL).events()];
    expect(again).toEqual(events);
    expect(createShop(SMALL).items).toEqual(shop.items);
    const other = [...createShop({ ...SMALL, seed: 8 }).events()];
    expect(other.length).toBeGreaterThan(0);
    expect(other.slice(0, 50).map((e) => [e.userId, e.itemId, e.type])).not.toEqual(
      events.slice(0, 50).map((e) => [e.userId, e.itemId, e.type]),
    );
  });

  it('emits a catalogue and events that pass the ingestion schemas', () => {
    expect(shop.items).toHaveLength(500);
    expect(new Set(shop.categories.map((p) => p[0])).size).toBe(8);
    for (const item of shop.items) expect(itemInputSchema.safeParse(item).success).toBe(true);
    for (const e of events.filter((_, i) => i % 37 === 0)) expect(eventInputSchema.safeParse(e).success).toBe(true);
    expect(shop.items.map((i) => i.title)).toContain(shop.items[0].title);
    expect(shop.items[0].title).toMatch(/^[A-Z][\w-]* /);
  });

  it('orders events by time inside the period with ids sim:<seed>:<n>', () => {
    const badIds = events.filter((e, n) => e.id !== `sim:7:${n + 1}`);
    const outOfOrder = events.filter((e, n) => n > 0 && e.timestamp < events[n - 1].timestamp);
    expect(badIds).toEqual([]);
    expect(outOfOrder).toEqual([]);
    expect(events[0].timestamp).toBeGreaterThanOrEqual(shop.options.startTime);
    expect(events[events.length - 1].timestamp).toBeLessThan(shop.endTime);
  });

  it('runs the funnel in order: view before click before cart before purchase, in the same session', () => {
    const seen = new Set<string>();
    const has = (e: Event, type: string) => seen.has(`${e.sessionId}|${e.itemId}|${type}`);
    for (const e of events) {
      if (e.type === 'click') expect(has(e, 'view')).toBe(true);
      if (e.type === 'cart') expect(has(e, 'click')).toBe(true);
      if (e.type === 'purchase' || e.type === 'remove_from_cart') expect(has(e, 'cart')).toBe(true);
      if (e.type === 'search') expect(e.itemId).toBeNull();
      seen.add(`${e.sessionId}|${e.itemId}|${e.type}`);
    }
    const count = (type: string) => events.filter((e) => e.type === type).length;
    expect(count('view')).toBeGreaterThan(count('click'));
    expect(count('click')).toBeGreaterThan(count('cart'));
    expect(count('cart')).toBeGreaterThan(count('purchase'));
    expect(count('purchase')).toBeGreaterThan(0);
    for (const type of ['search', 'favorite', 'dislike', 'remove_from_cart', 'rating']) expect(count(type)).toBeGreaterThan(0);
  });

  it('follows a long tail: the top 10% of items take most events', () => {
    const perItem = new Map<string, number>();
    for (const e of events) if (e.itemId) perItem.set(e.itemId, (perItem.get(e.itemId) ?? 0) + 1);
    const counts = [...perItem.values()].sort((a, b) => b - a);
    const total = counts.reduce((a, b) => a + b, 0);
    const head = counts.slice(0, shop.items.length / 10).reduce((a, b) => a + b, 0);
    expect(head / total).toBeGreaterThan(0.5);
  });

  it('handles catalogues smaller than the category tree', () => {
    const tiny = createShop({ users: 20, items: 5, days: 3, sessionsPerUserPerDay: 1 });
    const ids = new Set(tiny.items.map((i) => i.id));
    const evs = [...tiny.events()];
    expect(evs.length).toBeGreaterThan(0);
    for (const e of evs) if (e.itemId) expect(ids.has(e.itemId)).toBe(true);
  });
});
