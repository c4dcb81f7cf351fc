// Pinned items: shown where the shop put them, logged as pins, and the policy's items after them keep the
// slot their propensity is for.
import { describe, expect, it } from 'vitest';
import type { Event } from '../core/index.js';
import type { SlateShown, Store } from '../store/index.js';
import { slateImpressions } from './impression-log.js';
import { createShopApp, itemId } from '../../test/support/recommend-shop.js';

interface Rec {
  recommendationId: string;
  items: Array<{ itemId: string; position: number; reason: string; propensity: number }>;
}

/** The user's logged impressions: events ('events' format) or the slate records' shown items ('slate'), as events. */
async function loggedImpressions(store: Store, userId: string): Promise<Event[]> {
  const out = await store.userEvents(userId, { types: ['impression'] });
  for await (const d of store.scanDecisions()) if (d.userId === userId && d.shown) out.push(...slateImpressions(d as SlateShown));
  return out;
}

describe.each(['slate', 'events'])('pins (impressions logged as %s)', (impressionLog) => {
  it('shows a pin at its position, logs it as pinned, and logs the shifted items with their policy slot', async () => {
    const pin = itemId(3, 7);
    const t = await createShopApp({
      'serving.pins': [{ itemId: pin, position: 1 }],
      'serving.impressionFlushMs': 0,
      'serving.impressionLog': impressionLog,
    });
    try {
      const res = await t.call('read', { method: 'GET', url: '/v1/users/s1/recommendations?n=4&explore=0.5' });
      expect(res.statusCode).toBe(200);
      const rec = res.json() as Rec;
      expect(rec.items.map((i) => i.position)).toEqual([0, 1, 2, 3]);
      expect(rec.items[1]).toMatchObject({ itemId: pin, reason: 'featured', propensity: 1 });
      expect(rec.items.filter((i) => i.itemId === pin)).toHaveLength(1);

      const impressions = await loggedImpressions(t.store, 's1');
      expect(impressions).toHaveLength(4);
      const context = (id: string) => impressions.find((e) => e.itemId === id)?.context;
      expect(context(pin)).toMatchObject({ position: 1, pinned: true });
      expect(context(pin)).not.toHaveProperty('slot');
      expect(context(rec.items[0].itemId)).toMatchObject({ position: 0 });
      expect(context(rec.items[0].itemId)).not.toHaveProperty('slot');
      expect(context(rec.items[2].itemId)).toMatchObject({ position: 2, slot: 1 });
      expect(context(rec.items[3].itemId)).toMatchObject({ position: 3, slot: 2 });
      for (const item of rec.items) if (item.itemId !== pin) expect(context(item.itemId)).not.toHaveProperty('pinned');
    } finally {
      await t.close();
    }
  });
});
