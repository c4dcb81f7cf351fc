import { describe, expect, it } from 'vitest';
import { createRng, CurioError, type Rng } from '../../core/index.js';
import { createShop, type Shop } from './shop.js';

const DAY_MS = 86_400_000;
const shop = createShop({ seed: 5, users: 300, items: 800, days: 30 });
const midway = shop.options.startTime + 15 * DAY_MS;

const itemsByCategory = new Map<string, string[]>();
for (const item of shop.items) {
  const key = item.categoryPath.join(' > ');
  const pool = itemsByCategory.get(key);
  if (pool) pool.push(item.id);
  else itemsByCategory.set(key, [item.id]);
}

function randomSlate(rng: Rng, size: number): string[] {
  return Array.from({ length: size }, () => shop.items[rng.int(shop.items.length)].id);
}

/** The "recommend from true interests" policy: slots shared out by interest weight, items drawn at random. */
function interestSlate(s: Shop, userId: string, time: number, rng: Rng, size: number): string[] {
  const interests = s.trueInterests(userId, time);
  return Array.from({ length: size }, () => {
    let u = rng.next();
    const pick = interests.find((t) => (u -= t.weight) < 0) ?? interests[0];
    const pool = itemsByCategory.get(pick.categoryPath.join(' > '))!;
    return pool[rng.int(pool.length)];
  });
}

const expectedClicks = (userId: string, slate: string[], time: number) =>
  slate.reduce((sum, id, p) => sum + shop.clickProbability(userId, id, p, time), 0);

describe('response model', () => {
  it('prefers an item of the top interest at position 0 over a random item at position 9', () => {
    const rng = createRng(1);
    let wins = 0;
    for (const user of shop.users) {
      const top = shop.trueInterests(user.id, midway)[0];
      const pool = itemsByCategory.get(top.categoryPath.join(' > '))!;
      const favourite = shop.clickProbability(user.id, pool[rng.int(pool.length)], 0, midway);
      const random = shop.clickProbability(user.id, randomSlate(rng, 1)[0], 9, midway);
      if (favourite > random) wins++;
    }
    expect(wins / shop.users.length).toBeGreaterThan(0.95);
  });

  it('discounts lower positions for the same item', () => {
    const user = shop.users[0].id;
    const item = shop.items[0].id;
    const byPosition = [0, 1, 4, 9].map((p) => shop.clickProbability(user, item, p, midway));
    expect(byPosition).toEqual([...byPosition].sort((a, b) => b - a));
    expect(byPosition[3]).toBeCloseTo(byPosition[0] / 10, 12);
    expect(shop.purchaseProbability(user, item, 0, midway)).toBeLessThan(byPosition[0]);
  });

  it('samples clicks at the rate clickProbability predicts', () => {
    const rng = createRng(2);
    const user = shop.users[3].id;
    const slate = interestSlate(shop, user, midway, rng, 10);
    const expected = expectedClicks(user, slate, midway);
    const trials = 4000;
    let clicks = 0;
    for (let t = 0; t < trials; t++) clicks += shop.respond(user, slate, midway, rng).clicks.length;
    // The click count per slate has variance below its mean (a sum of Bernoullis): 4 standard errors.
    expect(Math.abs(clicks / trials - expected)).toBeLessThan(4 * Math.sqrt(expected / trials));
  });

  it('is seeded: two shops with one seed answer the same', () => {
    const twin = createShop({ seed: 5, users: 300, items: 800, days: 30 });
    const fresh = createShop({ seed: 5, users: 300, items: 800, days: 30 });
    const slate = randomSlate(createRng(3), 10);
    const answers = (s: Shop) => Array.from({ length: 50 }, (_, k) => s.respond(s.users[k].id, slate, midway));
    expect(answers(twin)).toEqual(answers(fresh));
  });

  it('rewards a policy that recommends from true interests over random slates, and the oracle most', () => {
    const rng = createRng(4);
    const totals = { interest: 0, random: 0, interestExpected: 0, oracleExpected: 0 };
    for (let round = 0; round < 1500; round++) {
      const user = shop.users[rng.int(shop.users.length)].id;
      const time = shop.options.startTime + rng.int(30 * DAY_MS);
      const mine = interestSlate(shop, user, time, rng, 10);
      totals.interest += shop.respond(user, mine, time, rng).clicks.length;
      totals.random += shop.respond(user, randomSlate(rng, 10), time, rng).clicks.length;
      if (round % 10 === 0) {
        const best = shop.oracleSlate(user, 10, time);
        totals.oracleExpected += expectedClicks(user, best, time);
        totals.interestExpected += expectedClicks(user, mine, time);
      }
    }
    expect(totals.interest).toBeGreaterThan(4 * totals.random);
    expect(totals.oracleExpected).toBeGreaterThan(totals.interestExpected);
  });

  it('refuses unknown users and items', () => {
    expect(() => shop.respond('nobody', [shop.items[0].id], midway)).toThrow(CurioError);
    expect(() => shop.clickProbability(shop.users[0].id, 'no-such-item', 0, midway)).toThrow(/unknown simulated item/);
    expect(() => shop.trueInterests('nobody', midway)).toThrow(CurioError);
  });
});
