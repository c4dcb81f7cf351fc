import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { catalogue, DAY, ev, item, T0 } from '../../../test/support/interest-fixtures.js';
import { InterestProfile } from './profile.js';
import { profileFromEvents, userInterests } from './build.js';

const items = catalogue([
  item('shoe', ['Fashion', 'Shoes'], { tags: ['running'], brand: 'Acme' }),
  item('boot', ['Fashion', 'Shoes'], { tags: ['hiking'], brand: 'Acme' }),
  item('lipstick', ['Beauty', 'Makeup'], { tags: ['red'], brand: 'Glow' }),
  item('cream', ['Beauty', 'Skin'], { tags: ['vegan'], brand: 'Glow' }),
  item('tent', ['Outdoor', 'Camping'], { tags: ['hiking'] }),
]);

describe('InterestProfile', () => {
  it('weights behaviour: a purchase counts more than a view, a dislike counts against', () => {
    const p = profileFromEvents(
      'u',
      [ev('u', 'shoe', 'view', T0), ev('u', 'lipstick', 'purchase', T0), ev('u', 'tent', 'dislike', T0)],
      items,
    );
    const s = p.snapshot();
    const score = (k: string) => s.categories.find((a) => a.key === k)?.score ?? 0;
    expect(score('Beauty')).toBeCloseTo(5);
    expect(score('Fashion > Shoes')).toBeCloseTo(0.5);
    expect(score('Outdoor')).toBeCloseTo(-3);
    expect(s.categories[0].key).toBe('Beauty');
    expect(s.categories.find((a) => a.key === 'Outdoor')?.share).toBe(0);
    expect(s.brands[0]).toMatchObject({ key: 'Glow', share: expect.closeTo(5 / 5.5, 3) });
  });

  it('decays with the half-life', () => {
    const p = profileFromEvents('u', [ev('u', 'shoe', 'purchase', T0), ev('u', 'lipstick', 'purchase', T0 + 30 * DAY)], items, {
      halfLifeDays: 30,
    });
    const s = p.snapshot();
    expect(s.categories.find((a) => a.key === 'Fashion')?.score).toBeCloseTo(2.5);
    expect(s.categories.find((a) => a.key === 'Beauty')?.score).toBeCloseTo(5);
    expect(p.snapshot(T0 + 60 * DAY).categories.find((a) => a.key === 'Beauty')?.score).toBeCloseTo(2.5);
  });

  it('gives the same profile whatever order the events arrive in', () => {
    const base = [
      ev('u', 'shoe', 'view', T0),
      ev('u', 'cream', 'cart', T0 + DAY),
      ev('u', 'tent', 'purchase', T0 + 5 * DAY),
      ev('u', 'boot', 'dislike', T0 + 9 * DAY),
    ];
    fc.assert(
      fc.property(fc.shuffledSubarray(base, { minLength: base.length, maxLength: base.length }), (order) => {
        const a = new InterestProfile('u');
        for (const e of order) a.apply(e, items.get(e.itemId!) ?? null);
        const b = profileFromEvents('u', base, items);
        expect(a.snapshot().categories).toEqual(b.snapshot().categories);
      }),
      { seed: 1, numRuns: 30 },
    );
  });

  it('round-trips through JSON and keeps updating', () => {
    const p = profileFromEvents('u', [ev('u', 'shoe', 'purchase', T0)], items);
    const q = InterestProfile.fromJSON(JSON.parse(JSON.stringify(p)));
    expect(q.snapshot()).toEqual(p.snapshot());
    const e = ev('u', 'cream', 'cart', T0 + DAY);
    expect(q.apply(e, items.get('cream')!).snapshot()).toEqual(p.apply(e, items.get('cream')!).snapshot());
    expect(() => InterestProfile.fromJSON({ version: 2 })).toThrow(/invalid interest profile/);
  });

  it('reports drift and new interests when the recent window moves to another category', () => {
    const old = Array.from({ length: 20 }, (_, i) => ev('u', i % 2 ? 'shoe' : 'boot', 'purchase', T0 + i * DAY));
    const stable = profileFromEvents('u', old, items).snapshot();
    const moved = profileFromEvents(
      'u',
      [...old, ...[0, 1, 2].map((i) => ev('u', 'cream', 'purchase', T0 + (40 + i) * DAY))],
      items,
    ).snapshot();
    expect(stable.drift.score).toBeLessThan(0.05);
    expect(stable.drift.newInterests).toEqual([]);
    expect(moved.drift.score).toBeGreaterThan(0.3);
    expect(moved.drift.newInterests.map((n) => `${n.dimension}:${n.key}`)).toEqual(
      expect.arrayContaining(['category:Beauty', 'tag:vegan', 'brand:Glow']),
    );
  });

  it('handles an empty history, unknown items and item-less events', () => {
    const empty = new InterestProfile('nobody').snapshot();
    expect(empty).toMatchObject({ asOf: null, events: 0, categories: [], drift: { score: 0, newInterests: [] } });
    const p = profileFromEvents('u', [ev('u', 'ghost', 'purchase', T0), ev('u', null, 'search', T0 + 1)], items);
    expect(p.snapshot()).toMatchObject({ events: 2, categories: [] });
    expect(p.itemWeights().get('ghost')).toBeCloseTo(5);
  });
});

describe('userInterests', () => {
  it('finds two interest clusters with readable labels and shares', () => {
    const events = [
      ...Array.from({ length: 6 }, (_, i) => ev('u', i % 2 ? 'shoe' : 'boot', 'purchase', T0 + i * 1000)),
      ...Array.from({ length: 4 }, (_, i) => ev('u', i % 2 ? 'lipstick' : 'cream', 'purchase', T0 + DAY + i * 1000)),
    ];
    const r = userInterests('u', events, items, { seed: 3 });
    expect(r.clusters.clusters).toHaveLength(2);
    expect(r.clusters.clusters[0].label).toMatch(/^Fashion > Shoes/);
    expect(r.clusters.clusters[0].share).toBeCloseTo(0.6, 1);
    expect(r.clusters.clusters[1].topCategory).toMatch(/^Beauty/);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('returns no clusters for an unknown user', () => {
    expect(userInterests('ghost', [], items).clusters).toEqual({ clusters: [], silhouette: 0, unembeddedShare: 0 });
  });
});
