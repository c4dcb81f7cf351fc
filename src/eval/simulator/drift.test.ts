import { describe, expect, it } from 'vitest';
import type { EpochMs } from '../../core/index.js';
import { createShop } from './shop.js';

const DAY_MS = 86_400_000;
const shop = createShop({ seed: 11, users: 300, items: 600, days: 30, sessionsPerUserPerDay: 0.5, driftRatePerDay: 0.05 });
const events = [...shop.events()].filter((e) => e.itemId !== null);
const categoryOf = new Map(shop.items.map((i) => [i.id, i.categoryPath.join(' > ')]));

/** Subcategory → weight of a user's true interests at a time. */
function interests(userId: string, time: EpochMs): Map<string, number> {
  return new Map(shop.trueInterests(userId, time).map((t) => [t.categoryPath.join(' > '), t.weight]));
}

describe('interest drift', () => {
  const start = shop.options.startTime;
  const end = shop.endTime - 1;

  it('changes the true interests of drifting users and only theirs', () => {
    const drifting = shop.users.filter((u) => u.drifting);
    const steady = shop.users.filter((u) => !u.drifting);
    expect(drifting.length).toBeGreaterThan(shop.users.length / 2);
    expect(steady.length).toBeGreaterThan(0);
    const distance = (id: string): number => {
      const a = interests(id, start);
      const b = interests(id, end);
      const keys = new Set([...a.keys(), ...b.keys()]);
      return 0.5 * [...keys].reduce((sum, k) => sum + Math.abs((a.get(k) ?? 0) - (b.get(k) ?? 0)), 0);
    };
    const driftDistances = drifting.map((u) => distance(u.id));
    expect(driftDistances.filter((d) => d > 0.1).length).toBeGreaterThan(0.9 * drifting.length);
    for (const u of steady) expect(distance(u.id)).toBe(0);
    for (const u of shop.users.slice(0, 50)) {
      const weights = shop.trueInterests(u.id, start + 10 * DAY_MS).map((t) => t.weight);
      expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    }
  });

  it('makes events follow the interests held at the time', () => {
    let inInterest = 0;
    let inOtherUsersInterest = 0;
    const sample = events.filter((_, k) => k % 4 === 0);
    for (const [k, e] of sample.entries()) {
      if (interests(e.userId, e.timestamp).has(categoryOf.get(e.itemId!)!)) inInterest++;
      const other = shop.users[(k * 7919) % shop.users.length].id;
      if (interests(other, e.timestamp).has(categoryOf.get(e.itemId!)!)) inOtherUsersInterest++;
    }
    expect(inInterest / sample.length).toBeGreaterThan(0.85);
    expect(inOtherUsersInterest / sample.length).toBeLessThan(0.2);
  });

  it('moves a drifting user’s events to new interests and away from faded ones', () => {
    const byUser = new Map<string, typeof events>();
    for (const e of events) {
      const list = byUser.get(e.userId);
      if (list) list.push(e);
      else byUser.set(e.userId, [e]);
    }
    const tally = { gainedEarly: 0, gainedLate: 0, lostEarly: 0, lostLate: 0 };
    for (const u of shop.users.filter((x) => x.drifting)) {
      const before = interests(u.id, start);
      const after = interests(u.id, end);
      for (const e of byUser.get(u.id) ?? []) {
        const category = categoryOf.get(e.itemId!)!;
        const when = e.timestamp < start + 7 * DAY_MS ? 'Early' : e.timestamp >= end - 7 * DAY_MS ? 'Late' : null;
        if (when === null) continue;
        if (after.has(category) && !before.has(category)) tally[`gained${when}`]++;
        if (before.has(category) && !after.has(category)) tally[`lost${when}`]++;
      }
    }
    expect(tally.gainedLate).toBeGreaterThan(5 * tally.gainedEarly);
    expect(tally.lostEarly).toBeGreaterThan(5 * tally.lostLate);
  });
});
