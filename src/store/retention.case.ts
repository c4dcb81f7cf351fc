/**
 * The conformance suite of retention by event type (`privacy.retentionDays`). `describeStore` runs it for
 * every adapter, through the pruner a server runs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventType } from '../core/index.js';
import { lastRetentionPass, RetentionPruner } from './retention.js';
import { sampleDecision, sampleEvent } from './store.case.js';
import type { Store } from './store.js';

const DAY = 86_400_000;
const NOW = 1_800_000_000_000;

export function describeRetention(name: string, open: () => Promise<Store>): void {
  describe(`Retention conformance: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
      const at = (days: number) => NOW - days * DAY;
      const event = (id: string, type: EventType, days: number, userId = 'u1') => sampleEvent(id, { type, timestamp: at(days), userId });
      await store.appendEvents([
        event('view-100', 'view', 100),
        event('view-100-u2', 'view', 100, 'u2'),
        event('view-80', 'view', 80),
        event('purchase-400', 'purchase', 400),
        event('cart-400', 'cart', 400),
        event('click-200', 'click', 200),
        event('impression-40', 'impression', 40),
        event('impression-20', 'impression', 20),
      ]);
      await store.appendDecisions([sampleDecision('r-400', { timestamp: at(400) }), sampleDecision('r-10', { timestamp: at(10) })]);
    });
    afterEach(async () => {
      await store.close();
    });

    const ids = async (userId: string) => (await store.userEvents(userId)).map((e) => e.id).sort();

    it('deletes events past their type’s window (a per-type value wins over default), and decisions past the global one', async () => {
      const pruner = new RetentionPruner(
        store,
        {
          slatesDays: 0,
          impressionEventsDays: 0,
          pruneIntervalMinutes: 60,
          eventDays: { default: 365, view: 90, impression: 30, purchase: 730 },
        },
        { chunk: 2, clock: () => NOW },
      );
      const pass = await pruner.runOnce();
      expect(pass).toMatchObject({ startedAt: NOW, slates: 1, impressionEvents: 0, events: { view: 2, impression: 1, cart: 1 } });
      expect(['incremental-vacuum', 'free-list', 'autovacuum']).toContain(pass.space?.method);
      expect(await ids('u1')).toEqual(['click-200', 'impression-20', 'purchase-400', 'view-80']);
      expect(await ids('u2')).toEqual([]);
      const kept: string[] = [];
      for await (const d of store.scanDecisions()) kept.push(d.recommendationId);
      expect(kept).toEqual(['r-10']);
      // Any process reads the last pass from the store.
      expect(await lastRetentionPass(store)).toEqual(pass);
      expect((await pruner.runOnce()).events).toEqual({});
    });

    it('keeps every event with retentionDays 0, and applies one number to every type', async () => {
      const settings = { slatesDays: 0, impressionEventsDays: 0, pruneIntervalMinutes: 60 };
      expect(await new RetentionPruner(store, { ...settings, eventDays: 0 }, { clock: () => NOW }).runOnce()).toMatchObject({
        slates: 0,
        events: {},
        space: null,
      });
      expect((await store.counts()).events).toBe(8);
      const pass = await new RetentionPruner(store, { ...settings, eventDays: 150 }, { clock: () => NOW }).runOnce();
      expect(pass.events).toEqual({ purchase: 1, cart: 1, click: 1 });
      expect(pass.slates).toBe(1);
      expect(await ids('u1')).toEqual(['impression-20', 'impression-40', 'view-100', 'view-80']);
    });
  });
}
