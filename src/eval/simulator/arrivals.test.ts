import { describe, expect, it } from 'vitest';
import { createShop } from './shop.js';

const DAY_MS = 86_400_000;
const BASE = { seed: 5, users: 400, items: 600, days: 12, sessionsPerUserPerDay: 0.5 };

describe('new arrivals', () => {
  const shop = createShop({ ...BASE, newItemsPerDay: 10 });
  const events = [...shop.events()];
  const launch = new Map(shop.items.map((item) => [item.id, item.createdAt]));
  const arrivals = shop.items.filter((item) => item.createdAt >= shop.options.startTime);

  it('launches newItemsPerDay items on each day after the first, dated by their launch', () => {
    expect(arrivals).toHaveLength(10 * (BASE.days - 1));
    const perDay = new Map<number, number>();
    for (const item of arrivals) {
      const day = (item.createdAt - shop.options.startTime) / DAY_MS;
      expect(Number.isInteger(day) && day >= 1 && day < BASE.days).toBe(true);
      perDay.set(day, (perDay.get(day) ?? 0) + 1);
      expect(item.tags).not.toContain('bestseller');
    }
    expect([...perDay.values()].every((n) => n === 10)).toBe(true);
  });

  it('never shows an item before its launch', () => {
    const early = events.filter((e) => e.itemId !== null && e.timestamp < launch.get(e.itemId)!);
    expect(early).toEqual([]);
  });

  it('features an arrival in its first days: the shoppers find it, more while it is new', () => {
    const ageOf = (itemId: string, at: number) => Math.floor((at - launch.get(itemId)!) / DAY_MS);
    const viewsByAge = new Map<number, number>();
    let arrivalViews = 0;
    let views = 0;
    for (const e of events) {
      if (e.type !== 'view' || e.itemId === null) continue;
      views++;
      if (launch.get(e.itemId)! < shop.options.startTime) continue;
      arrivalViews++;
      const age = ageOf(e.itemId, e.timestamp);
      viewsByAge.set(age, (viewsByAge.get(age) ?? 0) + 1);
    }
    // Over the last days about a fifth or more of the views go to items launched during the period.
    expect(arrivalViews / views).toBeGreaterThan(0.1);
    // Per arrival, age 0-1 days draws more views than age 6-7 (the launch boost decays).
    const arrivalsAtLeast = (age: number) => arrivals.filter((item) => item.createdAt + age * DAY_MS < shop.endTime).length;
    const perItem = (a: number, b: number) => ((viewsByAge.get(a) ?? 0) + (viewsByAge.get(b) ?? 0)) / arrivalsAtLeast(b);
    expect(perItem(0, 1)).toBeGreaterThan(1.5 * perItem(6, 7));
  });

  it('leaves a shop without arrivals as it was: every item on sale from the start', () => {
    const plain = createShop(BASE);
    expect(plain.items.every((item) => item.createdAt < plain.options.startTime)).toBe(true);
    // The same catalogue draws: an arrival differs from its plain twin only in its date and tags.
    const strip = (item: (typeof shop.items)[number]) => ({ ...item, createdAt: 0, tags: item.tags.filter((t) => t !== 'bestseller') });
    expect(shop.items.map(strip)).toEqual(plain.items.map(strip));
  });
});
