import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Event, EventType } from '../core/index.js';
import { openStore, type Store } from '../store/index.js';
import { RecentActivityCache, type RecentActivityOptions } from './recent-activity.js';

let store: Store;
let now = 1_000_000;
let seq = 0;

const ev = (userId: string, itemId: string, type: EventType, timestamp: number, id = `e${seq++}`): Event => ({
  id,
  userId,
  itemId,
  type,
  value: null,
  timestamp,
  sessionId: null,
  context: {},
});

function cache(o: Partial<RecentActivityOptions> = {}): RecentActivityCache {
  return new RecentActivityCache(store, { historyLength: 3, noRepeatImpressions: 2, maxAgeMs: 60_000, clock: () => now, ...o });
}

/** What the store itself says, for comparison with the cache. */
async function fromStore(userId: string) {
  const history = await store.userEvents(userId, {
    limit: 3,
    types: ['view', 'click', 'cart', 'remove_from_cart', 'favorite', 'purchase', 'review', 'rating', 'dislike'],
  });
  const shown = await store.userEvents(userId, { limit: 2, types: ['impression'] });
  return { history: history.map((e) => e.itemId), shown: shown.map((e) => e.itemId) };
}

/** Appends to the store and tells the cache, as the change feed does. */
async function write(c: RecentActivityCache, events: Event[]): Promise<void> {
  await store.appendEvents(events);
  c.observe(events);
}

beforeEach(async () => {
  store = await openStore('sqlite::memory:');
  await store.appendEvents([
    ev('u', 'a', 'view', 10),
    ev('u', 'b', 'cart', 20),
    ev('u', 'x', 'impression', 25),
    ev('u', 'c', 'view', 30),
    ev('u', 'd', 'view', 40),
  ]);
});
afterEach(async () => store.close());

describe('RecentActivityCache', () => {
  it('first read matches the store: newest state events, impressions kept apart', async () => {
    const r = await cache().get('u');
    expect(r.history.map((e) => e.itemId)).toEqual(['b', 'c', 'd']);
    expect(r.shown).toEqual(['x']);
    expect(r.known).toBe(false);
    expect(r.consent).toEqual({ tracking: true, personalization: true });
  });

  it('stays equal to the store as events arrive, including late and re-delivered ones', async () => {
    const c = cache();
    await c.get('u');
    const late = ev('u', 'late', 'click', 35);
    await write(c, [
      ev('u', 'e', 'purchase', 50),
      late,
      ev('u', 'y', 'impression', 55),
      ev('u', 'z', 'impression', 56),
      ev('u', 'search', 'search', 57),
    ]);
    c.observe([late]); // a second delivery of the same event id changes nothing
    const r = await c.get('u');
    const truth = await fromStore('u');
    expect(r.history.map((e) => e.itemId)).toEqual(truth.history);
    expect(r.history.map((e) => e.itemId)).toEqual(['late', 'd', 'e']);
    expect(r.shown).toEqual(truth.shown);
    expect(r.shown).toEqual(['y', 'z']);
  });

  it('keeps events that arrive while the first read is in flight', async () => {
    // A store whose reads complete only when released, so the write lands between read and caching.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: Store = Object.create(store, {
      userTimeline: {
        value: async (...args: Parameters<Store['userTimeline']>) => {
          const rows = await store.userTimeline(...args);
          await gate;
          return rows;
        },
      },
    }) as Store;
    const c = new RecentActivityCache(slow, { historyLength: 3, noRepeatImpressions: 2, maxAgeMs: 60_000, clock: () => now });
    const pending = c.get('u');
    const during = [ev('u', 'new', 'view', 60), ev('u', 'bought', 'purchase', 61)];
    await write(c, during);
    release();
    const first = await pending;
    expect(first.history.map((e) => e.itemId)).toEqual(['d', 'new', 'bought']);
    expect([...first.blocked]).toEqual(['bought']);
    expect((await c.get('u')).history.map((e) => e.itemId)).toEqual(['d', 'new', 'bought']);
  });

  it('does not cache a read that was in flight when the user was erased', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: Store = Object.create(store, {
      userTimeline: {
        value: async (...args: Parameters<Store['userTimeline']>) => {
          const rows = await store.userTimeline(...args);
          await gate;
          return rows;
        },
      },
    }) as Store;
    const c = new RecentActivityCache(slow, { historyLength: 3, noRepeatImpressions: 2, maxAgeMs: 60_000, clock: () => now });
    const pending = c.get('u');
    expect(c.holds('u')).toBe(true);
    await store.eraseUser('u');
    c.forget('u');
    release();
    await pending;
    expect(c.holds('u')).toBe(false);
    expect((await c.get('u')).history).toEqual([]);
  });

  it('blocks bought and disliked items, from the store and as they arrive, beyond the history length', async () => {
    await store.appendEvents([ev('u', 'old-buy', 'purchase', 1), ev('u', 'meh', 'dislike', 2)]);
    const c = cache();
    expect([...(await c.get('u')).blocked].sort()).toEqual(['meh', 'old-buy']);
    await write(c, [ev('u', 'fresh-buy', 'purchase', 90), ev('u', 'seen', 'view', 91)]);
    expect([...(await c.get('u')).blocked].sort()).toEqual(['fresh-buy', 'meh', 'old-buy']);
  });

  it('tracks consent changes made through the server', async () => {
    const c = cache();
    await c.get('u');
    c.userStored(await store.upsertUser({ id: 'u', consent: { personalization: false } }));
    const r = await c.get('u');
    expect(r.known).toBe(true);
    expect(r.consent.personalization).toBe(false);
  });

  it('reads again after maxAge, picking up writes it never heard of', async () => {
    const c = cache({ maxAgeMs: 1000 });
    await c.get('u');
    await store.appendEvents([ev('u', 'elsewhere', 'view', 70)]); // another process: no observe
    expect((await c.get('u')).history.at(-1)?.itemId).toBe('d');
    now += 1001;
    expect((await c.get('u')).history.at(-1)?.itemId).toBe('elsewhere');
  });

  it('with maxAge 0 reads the store on every request; forget drops a user', async () => {
    const c = cache({ maxAgeMs: 0 });
    await c.get('u');
    await store.appendEvents([ev('u', 'direct', 'view', 80)]);
    expect((await c.get('u')).history.at(-1)?.itemId).toBe('direct');
    const cached = cache();
    await cached.get('u');
    await store.eraseUser('u');
    cached.forget('u');
    expect((await cached.get('u')).history).toEqual([]);
  });
});
