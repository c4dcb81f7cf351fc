import { describe, expect, it } from 'vitest';
import { CategoryCooccurrence, interestFrontier, interestStage, leafShares, type InterestShares } from './interest-frontier.js';

const shares = (long: Record<string, number>, recent: Record<string, number>): InterestShares => ({
  long: new Map(Object.entries(long)),
  recent: new Map(Object.entries(recent)),
});

describe('interest frontier', () => {
  it('tells established, fading and unknown interests apart', () => {
    const s = shares({ 'Home > Lamps': 0.6, 'Toys > Dolls': 0.4 }, { 'Home > Lamps': 0.95, 'Toys > Dolls': 0.05 });
    expect(interestStage('Home > Lamps', s)).toBe('established');
    expect(interestStage('Toys > Dolls', s)).toBe('fading');
    expect(interestStage('Garden > Seeds', s)).toBe('unknown');
  });

  it('ranks categories that shoppers with the same interest hold, and siblings, above unrelated ones', () => {
    const co = new CategoryCooccurrence();
    for (let k = 0; k < 30; k++) co.addShopper(['Home > Lamps', 'Home > Rugs']);
    for (let k = 0; k < 30; k++) co.addShopper(['Books > Crime', 'Garden > Seeds']);
    for (let k = 0; k < 10; k++) co.addShopper(['Home > Lamps', 'Kitchen > Pans']);
    co.addShopper(['Home > Vases']);
    const s = shares({ 'Home > Lamps': 1 }, { 'Home > Lamps': 1 });
    const frontier = interestFrontier({ shares: s, cooccurrence: co, count: 5 });
    const keys = frontier.map((c) => c.key);
    expect(keys).not.toContain('Home > Lamps');
    expect(keys[0]).toBe('Home > Rugs');
    expect(keys.indexOf('Kitchen > Pans')).toBeLessThan(keys.indexOf('Garden > Seeds'));
    // A sibling nobody else holds beats an unrelated popular category.
    expect(keys.indexOf('Home > Vases')).toBeLessThan(keys.indexOf('Books > Crime'));
    expect(interestFrontier({ shares: s, cooccurrence: co, count: 2, exclude: new Set(['Home > Rugs']) })[0].key).toBe('Kitchen > Pans');
  });
});

describe('leafShares', () => {
  it('keeps the deepest categories of a path list and renormalises them', () => {
    const shares = leafShares([
      { key: 'Home', share: 0.5 },
      { key: 'Home > Lamps', share: 0.3 },
      { key: 'Home > Rugs', share: 0.1 },
      { key: 'Toys', share: 0.1 },
    ]);
    expect([...shares.keys()]).toEqual(['Home > Lamps', 'Home > Rugs', 'Toys']);
    expect(shares.get('Home > Lamps')).toBeCloseTo(0.6, 9);
  });
});
