import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { ShopperBudget } from './shopper-budget.js';

describe('ShopperBudget', () => {
  it('gives new and drifting shoppers more exploration than settled ones', () => {
    const budget = new ShopperBudget();
    budget.weightFor(0.2, { events: 50, drift: 0.1 });
    const settled = budget.weightFor(0.2, { events: 500, drift: 0 });
    const fresh = budget.weightFor(0.2, { events: 1, drift: 0 });
    const drifting = budget.weightFor(0.2, { events: 500, drift: 0.8 });
    expect(fresh).toBeGreaterThan(2 * settled);
    expect(drifting).toBeGreaterThan(2 * settled);
    expect(settled).toBeGreaterThan(0);
  });

  it('keeps the mean weight over the traffic at the shop weight', () => {
    const budget = new ShopperBudget({ memory: 500 });
    const rng = createRng(5);
    let total = 0;
    const n = 20_000;
    for (let t = 0; t < n; t++) {
      const w = budget.weightFor(0.2, { events: Math.floor(200 * rng.next() ** 3), drift: rng.next() < 0.2 ? rng.next() : 0 });
      expect(w).toBeLessThanOrEqual(1);
      total += w;
    }
    expect(total / n).toBeGreaterThan(0.19);
    expect(total / n).toBeLessThan(0.21);
  });

  it('is 0 when the shop does not explore, and treats bad signals as settled', () => {
    const budget = new ShopperBudget();
    expect(budget.weightFor(0, { events: 0, drift: 1 })).toBe(0);
    expect(budget.need({ events: Number.NaN, drift: Number.NaN })).toBeCloseTo(1.25, 9);
  });
});
