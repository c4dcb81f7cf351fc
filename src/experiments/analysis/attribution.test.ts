import { describe, expect, it } from 'vitest';
import { Attribution, type Outcome } from './attribution.js';

const HOUR = 3_600_000;

function click(id: string, userId: string, itemId: string, timestamp: number, recommendationId?: string): Outcome {
  return { id, userId, itemId, type: 'click', timestamp, revenue: 0, ...(recommendationId ? { recommendationId } : {}) };
}

describe('Attribution', () => {
  const setup = (): Attribution => {
    const a = new Attribution(24 * HOUR);
    a.expose({ recommendationId: 'r1', userId: 'u1', arm: 'control', timestamp: 1000, itemIds: ['i1', 'i2'] });
    a.expose({ recommendationId: 'r2', userId: 'u2', arm: 'treat', timestamp: 2000, itemIds: ['i1', 'i3'] });
    return a;
  };

  it('credits an outcome to the slate it names, else to an impression of the item within the window', () => {
    const a = setup();
    expect(a.attribute(click('e1', 'u1', 'i2', 5000, 'r1'))).toBe('control');
    expect(a.attribute(click('e2', 'u2', 'i3', 2000 + 23 * HOUR))).toBe('treat');
    // Past the window, before any impression, or an item never shown to this user: nobody's.
    expect(a.attribute(click('e3', 'u2', 'i3', 2000 + 25 * HOUR))).toBeNull();
    expect(a.attribute(click('e4', 'u1', 'i1', 500))).toBeNull();
    expect(a.attribute(click('e5', 'u1', 'i3', 5000))).toBeNull();
    expect(a.counts).toEqual({ bySlate: 1, byWindow: 1, unattributed: 3 });
    const outcomes = a.outcomes();
    expect(outcomes.get('u1')).toMatchObject({ arm: 'control', clicks: 1, impressions: 2, slates: 1 });
    expect(outcomes.get('u2')).toMatchObject({ arm: 'treat', clicks: 1 });
  });

  it('counts an outcome once, however many slates and impressions it could belong to, and ignores unexposed users', () => {
    const a = setup();
    a.expose({ recommendationId: 'r3', userId: 'u1', arm: 'control', timestamp: 3000, itemIds: ['i2'] });
    const purchase: Outcome = {
      id: 'p1',
      userId: 'u1',
      itemId: 'i2',
      type: 'purchase',
      timestamp: 4000,
      recommendationId: 'r1',
      revenue: 30,
    };
    expect(a.attribute(purchase)).toBe('control');
    expect(a.attribute(purchase)).toBeNull();
    expect(a.attribute({ ...purchase, recommendationId: undefined })).toBeNull();
    expect(a.attribute(click('x', 'stranger', 'i1', 4000))).toBeNull();
    expect(a.outcomes().get('u1')).toMatchObject({ orders: 1, revenue: 30, slates: 2, impressions: 3 });
    expect(a.outcomes().has('stranger')).toBe(false);
  });

  it('merges a slate logged twice (record and impression events) and keeps a moved user in their first arm', () => {
    const a = setup();
    a.expose({ recommendationId: 'r1', userId: 'u1', arm: 'control', timestamp: 1000, itemIds: ['i1'] });
    a.expose({ recommendationId: 'r9', userId: 'u1', arm: 'treat', timestamp: 9000, itemIds: ['i4'] });
    const u1 = a.outcomes().get('u1');
    expect(u1).toMatchObject({ arm: 'control', slates: 2, impressions: 3, arms: 2 });
    // The later slate's outcome is still the user's (intention to treat), credited through its own slate.
    expect(a.attribute(click('c', 'u1', 'i4', 9500, 'r9'))).toBe('treat');
    expect(a.outcomes().get('u1')?.clicks).toBe(1);
    expect(a.slateItems().get('control')).toEqual([['i1', 'i2']]);
  });

  it('uses the latest impression at or before the outcome for the window', () => {
    const a = new Attribution(HOUR);
    a.expose({ recommendationId: 'a', userId: 'u', arm: 'x', timestamp: 0, itemIds: ['i'] });
    a.expose({ recommendationId: 'b', userId: 'u', arm: 'y', timestamp: 10 * HOUR, itemIds: ['i'] });
    expect(a.attribute(click('1', 'u', 'i', 10 * HOUR + 5))).toBe('y');
    expect(a.attribute(click('2', 'u', 'i', 2 * HOUR))).toBeNull();
  });
});
