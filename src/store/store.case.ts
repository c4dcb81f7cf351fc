/**
 * The Store conformance suite. Every adapter runs it unchanged:
 * `describeStore('sqlite', () => openStore('sqlite::memory:'))`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromLittleEndian, PackedFloats, type Event, type EventType, type Item } from '../core/index.js';
import type { Decision, Store } from './store.js';
import { describeAccessRecords } from './access-records.case.js';
import { describePictureRecords } from './picture-records.case.js';
import { describeRetention } from './retention.case.js';

export function sampleItem(id: string, overrides: Partial<Item> = {}): Item {
  return {
    id,
    title: `Item ${id}`,
    description: `About ${id}`,
    categoryPath: ['Beauty', 'Skin Care'],
    tags: ['vegan'],
    brand: 'Acme',
    price: 12.5,
    attributes: { size: '50ml' },
    available: true,
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function sampleEvent(id: string, overrides: Partial<Event> = {}): Event {
  return {
    id,
    userId: 'u1',
    itemId: 'i1',
    type: 'view',
    value: null,
    timestamp: 1_700_000_000_000,
    sessionId: 's1',
    context: {},
    ...overrides,
  };
}

export function sampleDecision(recommendationId: string, overrides: Partial<Decision> = {}): Decision {
  return {
    recommendationId,
    userId: 'u1',
    timestamp: 1_700_000_000_000,
    policy: 'thompson',
    exploreWeight: 0.25,
    candidates: [
      { itemId: 'i1', score: 0.75, cluster: 'Beauty > Skin Care' },
      { itemId: 'i2', score: 0.75 - 1e-9 },
      { itemId: 'i"3\n', score: -Infinity, cluster: 'Food' },
      { itemId: 'i4', score: 1e-300, cluster: 'Beauty > Skin Care' },
    ],
    ...overrides,
  };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export function describeStore(name: string, open: () => Promise<Store>): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('round-trips items with every field', async () => {
      const item = sampleItem('i1', { brand: null, price: null, attributes: { nested: { a: [1, 2] } } });
      await store.upsertItems([item]);
      expect(await store.getItem('i1')).toEqual(item);
      expect(await store.getItem('missing')).toBeNull();
    });

    it('upserts items by id and patches and deletes them', async () => {
      await store.upsertItems([sampleItem('i1'), sampleItem('i2')]);
      await store.upsertItems([sampleItem('i1', { title: 'Renamed', available: false })]);
      expect((await store.getItem('i1'))?.title).toBe('Renamed');
      expect((await store.counts()).items).toBe(2);
      const patched = await store.patchItem('i2', { price: 3, tags: ['a', 'b'] });
      expect(patched).toMatchObject({ id: 'i2', price: 3, tags: ['a', 'b'], title: 'Item i2' });
      expect(await store.getItem('i2')).toEqual(patched);
      expect(await store.patchItem('nope', { price: 1 })).toBeNull();
      expect(await store.deleteItem('i1')).toBe(true);
      expect(await store.deleteItem('i1')).toBe(false);
      expect((await store.getItems(['i1', 'i2'])).map((i) => i.id)).toEqual(['i2']);
    });

    it('lists and scans items in id order', async () => {
      const ids = Array.from({ length: 25 }, (_, i) => `item-${String(i).padStart(2, '0')}`);
      await store.upsertItems(ids.map((id) => sampleItem(id)));
      expect((await store.listItems({ offset: 5, limit: 3 })).map((i) => i.id)).toEqual(ids.slice(5, 8));
      expect((await collect(store.scanItems(7))).map((i) => i.id)).toEqual(ids);
      expect((await store.listItems({ after: ids[5], limit: 3 })).map((i) => i.id)).toEqual(ids.slice(6, 9));
      expect(await store.listItems({ after: ids[24] })).toEqual([]);
    });

    it('searches the catalogue by words in id, title, brand, category and tags, in id order and by pages', async () => {
      await store.upsertItems([
        { ...sampleItem('s1'), title: 'Green Tea 100g', brand: 'Leafy', categoryPath: ['Groceries', 'Tea'], tags: ['organic'] },
        { ...sampleItem('s2'), title: 'Black Tea', brand: 'Leafy', categoryPath: ['Groceries', 'Tea'], tags: [] },
        { ...sampleItem('s3'), title: 'Teapot', brand: 'Potter', categoryPath: ['Home', 'Kitchen'], tags: ['ceramic'] },
        { ...sampleItem('s4'), title: '100% cotton', brand: null, categoryPath: ['Fashion'], tags: [] },
      ]);
      const ids = async (search: string, after?: string, limit?: number) =>
        (await store.listItems({ search, after, limit })).map((i) => i.id);
      expect(await ids('tea')).toEqual(['s1', 's2', 's3']);
      expect(await ids('LEAFY tea')).toEqual(['s1', 's2']);
      expect(await ids('groceries organic')).toEqual(['s1']);
      expect(await ids('ceramic')).toEqual(['s3']);
      expect(await ids('tea', 's1', 1)).toEqual(['s2']);
      // The pattern characters are literal: "%" matches only a percent sign, "_" only an underscore.
      expect(await ids('100%')).toEqual(['s4']);
      expect(await ids('_')).toEqual([]);
      expect(await ids('nothing-like-it')).toEqual([]);
    });

    it('pages user records by a cursor in stored-id order', async () => {
      for (const id of ['u3', 'u1', 'u2']) await store.upsertUser({ id });
      const first = await store.listUsers({ limit: 2 });
      expect(first.map((u) => u.id)).toEqual(['u1', 'u2']);
      expect((await store.listUsers({ after: 'u2', limit: 2 })).map((u) => u.id)).toEqual(['u3']);
      expect(first[0].consent).toEqual({ tracking: true, personalization: true });
    });

    it('stores users with default consent and merges partial consent updates', async () => {
      const u = await store.upsertUser({ id: 'u1', attributes: { tier: 'gold' } });
      expect(u.consent).toEqual({ tracking: true, personalization: true });
      await store.upsertUser({ id: 'u1', consent: { personalization: false } });
      const back = await store.getUser('u1');
      expect(back?.consent).toEqual({ tracking: true, personalization: false });
      expect(back?.attributes).toEqual({ tier: 'gold' });
      expect(await store.getUser('nobody')).toBeNull();
      expect(await store.trackingRefused(['u1', 'nobody'])).toEqual(new Set());
      await store.upsertUser({ id: 'u2', consent: { tracking: false } });
      expect(await store.trackingRefused(['u1', 'u2', 'u2', 'nobody'])).toEqual(new Set(['u2']));
      await store.upsertUser({ id: 'u2', consent: { tracking: true } });
      expect(await store.trackingRefused(['u2'])).toEqual(new Set());
    });

    it('appends events idempotently by event id, within and across batches', async () => {
      const first = await store.appendEvents([sampleEvent('e1'), sampleEvent('e2'), sampleEvent('e1')]);
      expect(first).toEqual({ accepted: 2, duplicates: 1, duplicateIds: ['e1'] });
      const retry = await store.appendEvents([sampleEvent('e2'), sampleEvent('e3')]);
      expect(retry).toEqual({ accepted: 1, duplicates: 1, duplicateIds: ['e2'] });
      expect((await store.counts()).events).toBe(3);
    });

    it('appends large batches (multi-row inserts) exactly', async () => {
      const events = Array.from({ length: 1234 }, (_, i) => sampleEvent(`big-${i}`, { timestamp: 1_000 + i }));
      expect((await store.appendEvents(events)).accepted).toBe(1234);
      expect((await store.appendEvents(events)).duplicates).toBe(1234);
      expect((await store.counts()).events).toBe(1234);
      // Duplicates that appear only after a first all-new stretch of rows are still named exactly.
      const fresh = (from: number, n: number) => Array.from({ length: n }, (_, i) => sampleEvent(`new-${from + i}`));
      const mixed = [...fresh(0, 500), ...events.slice(0, 200), ...fresh(500, 300)];
      const r = await store.appendEvents(mixed);
      expect(r.accepted).toBe(800);
      expect(r.duplicateIds).toEqual(events.slice(0, 200).map((e) => e.id));
      expect((await store.counts()).events).toBe(2034);
    });

    it('bulk loads keep idempotency and leave every read working', async () => {
      await store.appendEvents([sampleEvent('before', { timestamp: 1 })]);
      const events = Array.from({ length: 3000 }, (_, i) => sampleEvent(`bulk-${i}`, { userId: `u${i % 7}`, timestamp: 10 + i }));
      const result = await store.bulkLoad(1_000_000, async () => {
        const first = await store.appendEvents(events);
        const again = await store.appendEvents(events.slice(0, 10));
        return { first, again };
      });
      expect(result.first.accepted).toBe(3000);
      expect(result.again.duplicates).toBe(10);
      expect((await store.userEvents('u3', { limit: 2 })).map((e) => e.id)).toEqual(['bulk-2992', 'bulk-2999']);
      expect((await collect(store.scanEvents({ from: 10, to: 13 }))).map((e) => e.id)).toEqual(['bulk-0', 'bulk-1', 'bulk-2']);
      await expect(
        store.bulkLoad(10, async () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect((await store.userEvents('u1')).length).toBeGreaterThan(0);
    });

    it('round-trips every event field, including context and item-less searches', async () => {
      const full = sampleEvent('e1', {
        type: 'purchase',
        value: 19.99,
        context: { recommendationId: 'r1', position: 2, policy: 'ts', propensity: 0.25, page: 'home', query: 'tea', device: 'mobile' },
      });
      const search = sampleEvent('e2', {
        type: 'search',
        itemId: null,
        sessionId: null,
        timestamp: full.timestamp + 1,
        context: { query: 'green tea' },
      });
      await store.appendEvents([full, search]);
      expect(await store.userEvents('u1')).toEqual([full, search]);
    });

    it('returns a user history oldest first, limited to the newest events, filtered by type and time', async () => {
      const types: EventType[] = ['view', 'click', 'cart', 'purchase', 'view'];
      await store.appendEvents(types.map((type, i) => sampleEvent(`e${i}`, { type, timestamp: 1000 + i * 10 })));
      await store.appendEvents([sampleEvent('other', { userId: 'u2' })]);
      expect((await store.userEvents('u1')).map((e) => e.id)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
      expect((await store.userEvents('u1', { limit: 2 })).map((e) => e.id)).toEqual(['e3', 'e4']);
      expect((await store.userEvents('u1', { types: ['view'] })).map((e) => e.id)).toEqual(['e0', 'e4']);
      expect((await store.userEvents('u1', { before: 1020 })).map((e) => e.id)).toEqual(['e0', 'e1']);
    });

    it('merges several filtered types in time order, ties by arrival, before the limit', async () => {
      const types: EventType[] = ['purchase', 'view', 'dislike', 'purchase', 'dislike', 'view'];
      await store.appendEvents(types.map((type, i) => sampleEvent(`e${i}`, { type, timestamp: 1000 + Math.floor(i / 2) * 10 })));
      await store.appendEvents([sampleEvent('late', { type: 'purchase', timestamp: 995 })]);
      expect((await store.userEvents('u1', { types: ['purchase', 'dislike'] })).map((e) => e.id)).toEqual(['late', 'e0', 'e2', 'e3', 'e4']);
      expect((await store.userEvents('u1', { types: ['dislike', 'purchase'], limit: 3 })).map((e) => e.id)).toEqual(['e2', 'e3', 'e4']);
      expect((await store.userEvents('u1', { types: ['purchase', 'dislike', 'view'], limit: 2, before: 1020 })).map((e) => e.id)).toEqual([
        'e2',
        'e3',
      ]);
    });

    it('reads a timeline: the same events as userEvents, in the same order, with id, item, type and time only', async () => {
      const types: EventType[] = ['purchase', 'view', 'impression', 'dislike', 'impression', 'view', 'search'];
      await store.appendEvents(
        types.map((type, i) =>
          sampleEvent(`e${i}`, {
            type,
            itemId: type === 'search' ? null : `i${i}`,
            timestamp: 1000 + Math.floor(i / 2) * 10,
            context: { position: i },
          }),
        ),
      );
      const queries = [
        {},
        { limit: 3 },
        { types: ['impression'] as EventType[] },
        { types: ['purchase', 'dislike'] as EventType[], limit: 1 },
        { types: ['view', 'click', 'purchase', 'dislike', 'impression'] as EventType[], limit: 4, before: 1030 },
      ];
      for (const query of queries) {
        const full = await store.userEvents('u1', query);
        expect(full.length).toBeGreaterThan(0);
        expect(await store.userTimeline('u1', query)).toEqual(
          full.map(({ id, itemId, type, timestamp }) => ({ id, itemId, type, timestamp })),
        );
      }
      expect(await store.userTimeline('nobody')).toEqual([]);
    });

    it('scans events in (timestamp, arrival) order across batches, by time range and type', async () => {
      const events = [5, 3, 3, 9, 1, 3, 7].map((t, i) => sampleEvent(`e${i}`, { timestamp: t, type: i % 2 ? 'click' : 'view' }));
      await store.appendEvents(events);
      expect((await collect(store.scanEvents({ batchSize: 2 }))).map((e) => e.id)).toEqual(['e4', 'e1', 'e2', 'e5', 'e0', 'e6', 'e3']);
      expect((await collect(store.scanEvents({ from: 3, to: 7, batchSize: 1 }))).map((e) => e.id)).toEqual(['e1', 'e2', 'e5', 'e0']);
      expect((await collect(store.scanEvents({ types: ['click'] }))).map((e) => e.id)).toEqual(['e1', 'e5', 'e3']);
    });

    it('erases a user and all their events, leaving others intact', async () => {
      await store.upsertUser({ id: 'u1' });
      await store.upsertUser({ id: 'u2' });
      await store.appendEvents([sampleEvent('a'), sampleEvent('b', { type: 'impression' }), sampleEvent('c', { userId: 'u2' })]);
      expect(await store.eraseUser('u1')).toMatchObject({ user: true, events: 2, impressions: 1, decisions: 0 });
      expect(await store.getUser('u1')).toBeNull();
      expect(await store.userEvents('u1')).toEqual([]);
      expect((await store.userEvents('u2')).map((e) => e.id)).toEqual(['c']);
      expect(await store.eraseUser('u1')).toMatchObject({ user: false, events: 0, impressions: 0, decisions: 0 });
      // The erased ids can be reused: erasure is not a tombstone on event ids.
      expect((await store.appendEvents([sampleEvent('a')])).accepted).toBe(1);
    });

    it('erases only the history with keepRecord: the record and its refusal of tracking stay', async () => {
      await store.upsertUser({ id: 'u1', attributes: { tier: 'gold' }, consent: { tracking: false } });
      await store.appendEvents([sampleEvent('a'), sampleEvent('c', { userId: 'u2' })]);
      await store.appendDecisions([sampleDecision('r1'), sampleDecision('r2', { userId: 'u2' })]);
      expect(await store.eraseUser('u1', { keepRecord: true })).toMatchObject({ user: false, events: 1, decisions: 1 });
      expect(await store.getUser('u1')).toMatchObject({
        attributes: { tier: 'gold' },
        consent: { tracking: false, personalization: true },
      });
      expect(await store.trackingRefused(['u1'])).toEqual(new Set(['u1']));
      expect(await store.userEvents('u1')).toEqual([]);
      expect((await collect(store.scanDecisions())).map((d) => d.recommendationId)).toEqual(['r2']);
    });

    it('counts the distinct users of each item, each user for at most their newest maxItemsPerUser items', async () => {
      const at = (n: number) => sampleEvent(`e${n}`).timestamp + n;
      await store.appendEvents([
        // u1 acted on a (twice), b, then c; u2 on a; u3 was only shown a (impressions do not count).
        sampleEvent('1', { userId: 'u1', itemId: 'a', timestamp: at(1) }),
        sampleEvent('2', { userId: 'u1', itemId: 'a', type: 'purchase', timestamp: at(2) }),
        sampleEvent('3', { userId: 'u1', itemId: 'b', timestamp: at(3) }),
        sampleEvent('4', { userId: 'u1', itemId: 'c', timestamp: at(4) }),
        sampleEvent('5', { userId: 'u2', itemId: 'a', timestamp: at(5) }),
        sampleEvent('6', { userId: 'u3', itemId: 'a', type: 'impression', timestamp: at(6) }),
      ]);
      const audiences = async (q: { windowMs?: number; maxItemsPerUser: number }) =>
        Object.fromEntries((await store.itemAudiences(q)).map((r) => [r.itemId, r.users]));
      expect(await audiences({ maxItemsPerUser: 10 })).toEqual({ a: 2, b: 1, c: 1 });
      // u1's newest two are c and b: their a no longer counts.
      expect(await audiences({ maxItemsPerUser: 2 })).toEqual({ a: 1, b: 1, c: 1 });
      // Within 1 ms of the newest behaviour (u2's a at at(5)): c at at(4) and that a.
      expect(await audiences({ maxItemsPerUser: 10, windowMs: 1 })).toEqual({ a: 1, c: 1 });
    });

    it('round-trips decisions exactly, idempotent by recommendation id, scanned by time', async () => {
      const d1 = sampleDecision('r1');
      const d2 = sampleDecision('r2', { timestamp: d1.timestamp - 5, candidates: [], userId: 'u2' });
      const d3 = sampleDecision('r3', { timestamp: d1.timestamp, candidates: [{ itemId: 'x', score: 1 }] });
      expect(await store.appendDecisions([d1, d2, d1])).toBe(2);
      expect(await store.appendDecisions([sampleDecision('r1', { policy: 'greedy' }), d3])).toBe(1);
      expect(await store.appendDecisions([])).toBe(0);
      expect(await collect(store.scanDecisions({ batchSize: 1 }))).toEqual([d2, d1, d3]);
      expect((await collect(store.scanDecisions({ from: d1.timestamp }))).map((d) => d.recommendationId)).toEqual(['r1', 'r3']);
      expect((await collect(store.scanDecisions({ to: d1.timestamp }))).map((d) => d.recommendationId)).toEqual(['r2']);
    });

    it("erasure reaches a user's decisions, leaving others intact", async () => {
      await store.appendEvents([sampleEvent('a')]);
      await store.appendDecisions([sampleDecision('r1'), sampleDecision('r2'), sampleDecision('r3', { userId: 'u2' })]);
      expect(await store.eraseUser('u1')).toMatchObject({ user: false, events: 1, decisions: 2 });
      expect((await collect(store.scanDecisions())).map((d) => d.recommendationId)).toEqual(['r3']);
    });

    it('round-trips served slates (shown items, propensities, slot marks, session, experiment arm) in decisions', async () => {
      const shown = [
        { itemId: 'i2', propensity: 0.125 },
        { itemId: 'pin', propensity: 1, slot: null },
        { itemId: 'i1', propensity: 1 / 3, slot: 1 },
      ];
      const slate = sampleDecision('r1', { shown, sessionId: 'sess', arm: 'exp-1/treatment' });
      const bare = sampleDecision('r2', { timestamp: slate.timestamp + 1, candidates: [], shown: [{ itemId: 'x', propensity: 1 }] });
      expect(await store.appendDecisions([slate, bare])).toBe(2);
      expect(await collect(store.scanDecisions())).toEqual([slate, bare]);
    });

    it("reads a user's newest slates oldest first, only decisions that carry shown items", async () => {
      const at = (k: number) => 1_700_000_000_000 + k * 1000;
      await store.appendDecisions([
        ...[0, 1, 2, 3].map((k) =>
          sampleDecision(`r${k}`, {
            timestamp: at(k),
            shown: [
              { itemId: `a${k}`, propensity: 1 },
              { itemId: `b${k}`, propensity: 0.5 },
            ],
          }),
        ),
        sampleDecision('plain', { timestamp: at(9) }),
        sampleDecision('other', { timestamp: at(9), userId: 'u2', shown: [{ itemId: 'z', propensity: 1 }] }),
        sampleDecision('tie', { timestamp: at(3), shown: [{ itemId: 'c', propensity: 1 }] }),
      ]);
      expect(await store.userSlates('u1', { limit: 2 })).toEqual([
        { recommendationId: 'r3', timestamp: at(3), itemIds: ['a3', 'b3'] },
        { recommendationId: 'tie', timestamp: at(3), itemIds: ['c'] },
      ]);
      expect((await store.userSlates('u1')).map((s) => s.recommendationId)).toEqual(['r0', 'r1', 'r2', 'r3', 'tie']);
      expect(await store.userSlates('nobody', { limit: 5 })).toEqual([]);
    });

    it("erasure deletes a user's served slates", async () => {
      await store.appendDecisions([
        sampleDecision('r1', { shown: [{ itemId: 'i1', propensity: 1 }] }),
        sampleDecision('r2', { userId: 'u2', shown: [{ itemId: 'i1', propensity: 1 }] }),
      ]);
      await store.eraseUser('u1');
      expect(await store.userSlates('u1')).toEqual([]);
      expect((await store.userSlates('u2')).map((s) => s.recommendationId)).toEqual(['r2']);
    });

    it("reads a user's decisions oldest first, with their arm and shown items, and no one else's", async () => {
      const slate = { shown: [{ itemId: 'i1', propensity: 0.5 }], sessionId: 's1', arm: 'exp/b' };
      await store.appendDecisions([
        sampleDecision('r2', { timestamp: 1_700_000_000_002, ...slate }),
        sampleDecision('r1', { timestamp: 1_700_000_000_001 }),
        sampleDecision('r3', { userId: 'u2' }),
      ]);
      expect(await store.userDecisions('u1')).toEqual([
        sampleDecision('r1', { timestamp: 1_700_000_000_001 }),
        sampleDecision('r2', { timestamp: 1_700_000_000_002, ...slate }),
      ]);
      expect(await store.userDecisions('nobody')).toEqual([]);
    });

    it('prunes old slates and old impression events in chunks, keeping newer rows and other event types', async () => {
      const t = (k: number) => 1_700_000_000_000 + k;
      await store.appendDecisions(
        Array.from({ length: 7 }, (_, k) => sampleDecision(`r${k}`, { timestamp: t(k), shown: [{ itemId: 'i1', propensity: 1 }] })),
      );
      await store.appendEvents([
        ...Array.from({ length: 7 }, (_, k) => sampleEvent(`imp${k}`, { type: 'impression', timestamp: t(k) })),
        sampleEvent('old-view', { timestamp: t(0) }),
      ]);
      expect(await store.prune({ slatesBefore: t(5), impressionEventsBefore: t(4), limit: 3 })).toEqual({ slates: 3, impressionEvents: 3 });
      expect(await store.prune({ slatesBefore: t(5), impressionEventsBefore: t(4), limit: 3 })).toEqual({ slates: 2, impressionEvents: 1 });
      expect(await store.prune({ slatesBefore: t(5), impressionEventsBefore: t(4), limit: 3 })).toEqual({ slates: 0, impressionEvents: 0 });
      expect((await collect(store.scanDecisions())).map((d) => d.recommendationId)).toEqual(['r5', 'r6']);
      expect((await store.userEvents('u1')).map((e) => e.id)).toEqual(['old-view', 'imp4', 'imp5', 'imp6']);
      // Impressions stored later with old times are still found by a later prune.
      await store.appendEvents([sampleEvent('late-old', { type: 'impression', timestamp: t(1) })]);
      expect(await store.prune({ impressionEventsBefore: t(6) })).toEqual({ slates: 0, impressionEvents: 3 });
      expect((await store.userEvents('u1')).map((e) => e.id)).toEqual(['old-view', 'imp6']);
    });

    it('keeps JSON state by key, replacing it on each put', async () => {
      expect(await store.getState('policy')).toBeNull();
      const value = { policy: 'thompson', state: { items: { a: [1, 2] } }, note: 'é\u0000' };
      await store.putState('policy', value);
      await store.putState('other', [1, null, 'x']);
      expect(await store.getState('policy')).toEqual(value);
      await store.putState('policy', 3);
      expect(await store.getState('policy')).toBe(3);
      expect(await store.getState('other')).toEqual([1, null, 'x']);
      await expect(store.putState('bad', undefined)).rejects.toThrow('JSON');
    });

    it('saves packed float64 numbers in state as base64 of their little-endian bytes, exactly', async () => {
      const numbers = Float64Array.of(1.5, -0, Number.NaN, -Infinity, Number.MIN_VALUE, 1 / 3);
      await store.putState('packed', {
        beliefs: { values: new PackedFloats(numbers), ids: ['a', 'b'] },
        after: new PackedFloats(new Float64Array(0)),
      });
      const back = (await store.getState('packed')) as { beliefs: { values: string; ids: string[] }; after: string };
      expect(back.beliefs.ids).toEqual(['a', 'b']);
      expect(back.after).toBe('');
      expect(fromLittleEndian(Buffer.from(back.beliefs.values, 'base64'), 'state')).toEqual(numbers);
      expect(Object.is(fromLittleEndian(Buffer.from(back.beliefs.values, 'base64'), 'state')[1], -0)).toBe(true);
    });

    it('lists states by key prefix in byte order, a page at a time, and deletes one', async () => {
      for (const key of ['erasure:b', 'erasure:a', 'erasure:é', 'erasure-pending:a', 'erasures', 'other'])
        await store.putState(key, { key });
      expect((await store.listState('erasure:')).map((s) => s.key)).toEqual(['erasure:a', 'erasure:b', 'erasure:é']);
      expect(await store.listState('erasure:', { after: 'erasure:a', limit: 1 })).toEqual([
        { key: 'erasure:b', value: { key: 'erasure:b' } },
      ]);
      expect(await store.listState('nothing:')).toEqual([]);
      expect(await store.deleteState('erasure:a')).toBe(true);
      expect(await store.deleteState('erasure:a')).toBe(false);
      expect(await store.getState('erasure:a')).toBeNull();
      expect((await store.listState('erasure')).map((s) => s.key)).toEqual(['erasure-pending:a', 'erasure:b', 'erasure:é', 'erasures']);
    });

    it('reports stats by type, day, top items and categories', async () => {
      await store.upsertItems([sampleItem('i1'), sampleItem('i2', { categoryPath: ['Food'] })]);
      const day = Date.UTC(2024, 0, 1);
      await store.appendEvents([
        sampleEvent('e1', { timestamp: day }),
        sampleEvent('e2', { timestamp: day + 1, type: 'purchase' }),
        sampleEvent('e3', { timestamp: day + 86_400_000, itemId: 'i2', userId: 'u2' }),
      ]);
      const s = await store.stats({ top: 5 });
      expect(s.byType).toEqual({ view: 2, purchase: 1 });
      expect(s.byDay).toEqual([
        { day: '2024-01-01', events: 2 },
        { day: '2024-01-02', events: 1 },
      ]);
      expect(s.topItems[0]).toEqual({ itemId: 'i1', title: 'Item i1', events: 2 });
      expect(s.topCategories).toEqual([
        { category: 'Beauty > Skin Care', events: 2 },
        { category: 'Food', events: 1 },
      ]);
      expect(s.distinctEventUsers).toBe(2);
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
  describeAccessRecords(name, open);
  describePictureRecords(name, open);
  describeRetention(name, open);
}
