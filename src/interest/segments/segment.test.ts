import { describe, expect, it } from 'vitest';
import { createRng, type Event } from '../../core/index.js';
import { catalogue, DAY, ev, item, T0 } from '../../../test/support/interest-fixtures.js';
import { segmentationCsv, userSegment } from './export.js';
import { segmentUsers } from './segment.js';

const items = catalogue([
  item('b1', ['Beauty', 'Skin'], { price: 40 }),
  item('b2', ['Beauty', 'Makeup'], { price: 60 }),
  item('f1', ['Fashion'], { price: 20 }),
  item('f2', ['Fashion'], { price: 30 }),
  item('o1', ['Outdoor'], { price: 200 }),
]);

/** Three planted groups: Beauty buyers, Fashion browsers who never buy, Outdoor one-off big spenders. */
function plantedShop(): { events: Event[]; group: Map<string, string> } {
  const rng = createRng(5);
  const events: Event[] = [];
  const group = new Map<string, string>();
  for (let u = 0; u < 60; u++) {
    const g = ['beauty', 'fashion', 'outdoor'][u % 3];
    const id = `u${u}`;
    group.set(id, g);
    const sessions = g === 'beauty' ? 6 : g === 'fashion' ? 3 : 1;
    for (let s = 0; s < sessions; s++) {
      const start = T0 + s * 4 * DAY + rng.int(3) * 3_600_000;
      const pick = g === 'beauty' ? ['b1', 'b2'] : g === 'fashion' ? ['f1', 'f2'] : ['o1'];
      for (let k = 0; k < 4; k++) events.push(ev(id, pick[rng.int(pick.length)], 'view', start + k * 60_000));
      if (g !== 'fashion') events.push(ev(id, pick[0], 'purchase', start + 5 * 60_000));
    }
  }
  return { events, group };
}

describe('segmentUsers', () => {
  const { events, group } = plantedShop();
  const seg = segmentUsers(events, items, { seed: 1 });

  it('recovers the planted groups with k chosen by silhouette', () => {
    expect(seg.model.k).toBe(3);
    expect(seg.model.silhouette).toBeGreaterThan(0.5);
    const bySegment = new Map<number, Set<string>>();
    for (const u of seg.users) bySegment.set(u.segment, (bySegment.get(u.segment) ?? new Set()).add(group.get(u.userId)!));
    for (const groups of bySegment.values()) expect(groups.size).toBe(1);
  });

  it('describes each segment: size, top categories, order value, conversion, session length', () => {
    const beauty = seg.model.segments.find((s) => s.topCategories[0].category === 'Beauty')!;
    const fashion = seg.model.segments.find((s) => s.topCategories[0].category === 'Fashion')!;
    expect(beauty).toMatchObject({
      size: 20,
      share: 0.3333,
      averageOrderValue: 40,
      conversionRate: 1,
      medianSessionEvents: 5,
      medianSessionMinutes: 5,
    });
    expect(fashion).toMatchObject({ size: 20, averageOrderValue: 0, conversionRate: 0, medianSessionEvents: 4 });
    expect(JSON.parse(JSON.stringify(seg.model))).toEqual(seg.model);
  });

  it('honours a given k and places users by the fitted model', () => {
    expect(segmentUsers(events, items, { k: 2, seed: 1 }).model.k).toBe(2);
    const known = seg.users[0];
    expect(userSegment(seg.model, known.userId, events, items)?.segment).toBe(known.segment);
    expect(userSegment(seg.model, 'ghost', events, items)).toBeNull();
  });

  it('exports CSV with one row per user', () => {
    const lines = segmentationCsv(seg).trim().split('\n');
    expect(lines[0]).toBe('user_id,segment,recency_days,sessions,events,monetary,orders,top_category');
    expect(lines).toHaveLength(61);
    expect(lines.find((l) => l.startsWith('u0,'))).toMatch(/,6,30,240,6,Beauty$/);
  });

  it('refuses an empty or one-user history', () => {
    expect(() => segmentUsers([], items)).toThrow(/at least 2 users/);
    expect(() => segmentUsers([ev('a', 'b1', 'view', T0)], items)).toThrow(/at least 2 users/);
  });
});
