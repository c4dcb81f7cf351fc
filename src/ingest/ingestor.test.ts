import { describe, expect, it } from 'vitest';
import type { Event } from '../core/index.js';
import { LocalChangeFeed, openStore, type Change } from '../store/index.js';
import { Ingestor } from './ingestor.js';

const NOW = Date.UTC(2025, 0, 1);
const ev = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  userId: 'alice',
  itemId: 'i1',
  type: 'view',
  timestamp: NOW,
  ...extra,
});

async function setup(idSecret: string | null = null) {
  const store = await openStore('sqlite::memory:');
  return { store, ingestor: new Ingestor({ store, idSecret }) };
}

describe('Ingestor.ingestEvents', () => {
  it('stores valid rows and reports each invalid one by index with field paths', async () => {
    const { store, ingestor } = await setup();
    const result = await ingestor.ingestEvents([
      ev('e1'),
      ev('e2', { type: 'teleport' }),
      ev('e3', { itemId: undefined, type: 'cart' }),
      ev('e4', { type: 'search', itemId: null, context: { query: 'tea' } }),
      ev('e5', { timestamp: 'yesterday', context: { propensity: 2 } }),
      ev('e6', { type: 'rating' }),
      'not an object',
    ]);
    expect(result.accepted).toBe(2);
    expect(result.rejected.map((r) => r.index)).toEqual([1, 2, 4, 5, 6]);
    const paths = (i: number) => result.rejected.find((r) => r.index === i)!.errors.map((e) => e.path);
    expect(paths(1)).toEqual(['type']);
    expect(paths(2)).toEqual(['itemId']);
    expect(paths(4).sort()).toEqual(['context.propensity', 'timestamp']);
    expect(paths(5)).toEqual(['value']);
    expect((await store.counts()).events).toBe(2);
  });

  it('accepts ISO timestamps and refuses ones far in the future (seconds/ms mix-ups)', async () => {
    const { store, ingestor } = await setup();
    const r = await ingestor.ingestEvents([ev('a', { timestamp: '2025-01-01T10:00:00Z' }), ev('b', { timestamp: Date.now() * 1000 })]);
    expect(r.accepted).toBe(1);
    expect(r.rejected[0].errors[0].message).toMatch(/future/);
    expect((await store.userEvents('alice'))[0].timestamp).toBe(Date.parse('2025-01-01T10:00:00Z'));
  });

  it('counts retried event ids as duplicates and never stores them twice', async () => {
    const { store, ingestor } = await setup();
    await ingestor.ingestEvents([ev('e1'), ev('e2')]);
    const retry = await ingestor.ingestEvents([ev('e1'), ev('e2'), ev('e3')]);
    expect(retry).toEqual({ accepted: 1, duplicates: 2, rejected: [] });
    expect((await store.counts()).events).toBe(3);
  });

  it('refuses events of users who withdrew tracking consent, with a reason', async () => {
    const { store, ingestor } = await setup();
    await ingestor.putUser('alice', { consent: { tracking: false } });
    const r = await ingestor.ingestEvents([ev('e1'), ev('e2', { userId: 'bob' })]);
    expect(r.accepted).toBe(1);
    expect(r.rejected).toEqual([{ index: 0, errors: [{ path: 'userId', message: expect.stringMatching(/refused tracking/) }] }]);
    expect(await store.userEvents('alice')).toEqual([]);
  });

  it('stores only pseudonyms when an id secret is set', async () => {
    const { store, ingestor } = await setup('sixteen-chars-secret');
    await ingestor.putUser('alice', { consent: { personalization: false } });
    await ingestor.ingestEvents([ev('e1')]);
    expect(await store.getUser('alice')).toBeNull();
    expect(await store.userEvents('alice')).toEqual([]);
    const key = ingestor.userKey('alice');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect((await store.getUser(key))?.consent.personalization).toBe(false);
    expect((await store.userEvents(key)).map((e) => e.id)).toEqual(['e1']);
  });
});

describe('Ingestor items and users', () => {
  it('upserts valid items with defaults and reports invalid ones', async () => {
    const { store, ingestor } = await setup();
    const r = await ingestor.putItems([
      { id: 'i1', title: 'Tea', categoryPath: ['Food', 'Tea'] },
      { id: 'i2', price: -1 },
      { title: 'no id' },
    ]);
    expect(r.accepted).toBe(1);
    expect(r.rejected.map((x) => [x.index, x.errors[0].path])).toEqual([
      [1, 'price'],
      [2, 'id'],
    ]);
    expect(await store.getItem('i1')).toMatchObject({ title: 'Tea', tags: [], available: true, brand: null });
  });

  it('validates patches and rejects empty or unknown fields', async () => {
    const { ingestor } = await setup();
    await ingestor.putItems([{ id: 'i1' }]);
    expect(await ingestor.patchItem('i1', { available: false })).toMatchObject({ available: false });
    await expect(ingestor.patchItem('i1', {})).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(ingestor.patchItem('i1', { colour: 'red' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect(await ingestor.patchItem('nope', { price: 1 })).toBeNull();
  });

  it('rejects invalid user bodies', async () => {
    const { ingestor } = await setup();
    await expect(ingestor.putUser('u', { consent: { tracking: 'no' } })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      problems: [{ path: 'consent.tracking' }],
    });
  });
});

describe('Ingestor and the change feed', () => {
  async function fed(idSecret: string | null = null) {
    const store = await openStore('sqlite::memory:');
    const feed = new LocalChangeFeed();
    const changes: Change[] = [];
    feed.subscribe((c) => changes.push(c));
    return { store, changes, ingestor: new Ingestor({ store, idSecret, feed }) };
  }

  const typed = (id: string): Event => ({
    id,
    userId: 'alice',
    itemId: 'i1',
    type: 'view',
    value: null,
    timestamp: NOW,
    sessionId: null,
    context: {},
  });

  it('publishes only newly stored events, once, with the writer as origin', async () => {
    const { store, changes, ingestor } = await fed();
    await ingestor.ingestEvents([ev('e1'), ev('e2')]);
    const again = await ingestor.appendEvents([typed('e2'), typed('e3')], { origin: 'runtime:1' });
    expect(again.stored.map((e) => e.id)).toEqual(['e3']);
    expect(changes.map((c) => (c.kind === 'events-stored' ? [c.events.map((e) => e.id), c.origin] : c.kind))).toEqual([
      [['e1', 'e2'], undefined],
      [['e3'], 'runtime:1'],
    ]);
    await ingestor.appendEvents([typed('e3')]);
    expect(changes).toHaveLength(2);
    await store.close();
  });

  it('publishes item upserts, patches and deletes, consent changes and erasures under stored ids', async () => {
    const { store, changes, ingestor } = await fed('secret');
    await ingestor.putItems([{ id: 'i1', title: 'Tea' }]);
    await ingestor.patchItem('i1', { available: false });
    await ingestor.patchItem('nope', { available: false });
    await ingestor.deleteItem('i1');
    await ingestor.deleteItem('i1');
    const user = await ingestor.putUser('alice', { consent: { tracking: true, personalization: false } });
    await ingestor.eraseUser('alice');
    expect(changes.map((c) => c.kind)).toEqual(['items-stored', 'items-stored', 'item-deleted', 'users-stored', 'user-erased']);
    expect(user.id).not.toBe('alice');
    expect(changes[4]).toMatchObject({ kind: 'user-erased', userId: user.id });
    expect(changes[1]).toMatchObject({ kind: 'items-stored', items: [{ id: 'i1', available: false }] });
    await store.close();
  });

  it('publishes nothing for a batch with nothing stored', async () => {
    const { store, changes, ingestor } = await fed();
    await ingestor.ingestEvents([ev('bad', { type: 'teleport' })]);
    await ingestor.putItems([]);
    expect(changes).toEqual([]);
    await store.close();
  });
});
