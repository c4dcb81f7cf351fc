import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../open.js';
import { describeStore, sampleEvent } from '../store.case.js';
import { describeTrainingRecords } from '../training-records.case.js';
import type { Store } from '../store.js';
import { dropSchemas, postgresSchemaUrl, schemaOf, testSchemas, TEST_POSTGRES_URL } from '../../../test/support/postgres.js';
import { parseTarget } from './connection.js';
import { COPY_MIN_EVENTS } from './event-writes.js';

afterAll(() => dropSchemas());

describeStore('postgres', () => openStore(postgresSchemaUrl()));
describeTrainingRecords('postgres', () => openStore(postgresSchemaUrl()), {
  openPair: async () => {
    const url = postgresSchemaUrl();
    const first = await openStore(url);
    return [first, await openStore(url)];
  },
});

describe('postgres adapter', () => {
  const opened: Store[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
  });
  const open = async (url = postgresSchemaUrl()) => {
    const store = await openStore(url);
    opened.push(store);
    return store;
  };

  it('reads schema and pool from the URL, passes the rest on, and names a bad parameter', () => {
    const t = parseTarget('postgres://curio:secret@db:5432/shop?schema=tenant_1&pool=4&sslmode=disable');
    expect(t).toMatchObject({ schema: 'tenant_1', poolSize: 4 });
    expect(t.connectionString).toBe('postgres://curio:secret@db:5432/shop?sslmode=disable');
    expect(t.display).not.toContain('secret');
    expect(parseTarget('postgresql://db/shop')).toMatchObject({ schema: 'public', poolSize: 10 });
    expect(() => parseTarget('postgres://db/shop?schema=a;drop')).toThrow(/parameter "schema"/);
    expect(() => parseTarget('postgres://db/shop?pool=0')).toThrow(/parameter "pool"/);
    expect(() => parseTarget('postgres://db/shop?pool=many')).toThrow(/parameter "pool"/);
  });

  it('says which server it could not reach', async () => {
    await expect(openStore('postgres://postgres@127.0.0.1:1/test')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('migrates once when several processes open one schema at the same moment', async () => {
    const url = postgresSchemaUrl();
    const stores = await Promise.all([open(url), open(url), open(url)]);
    await stores[0].appendEvents([sampleEvent('e1')]);
    expect((await stores[2].counts()).events).toBe(1);
    expect(schemaOf(url)).toMatch(/^curio_test_/);
  });

  it('takes a large batch through COPY: exact counts with stored and repeated ids, in input order', async () => {
    const store = await open();
    await store.appendEvents([sampleEvent('big-7'), sampleEvent('big-4000')]);
    const n = COPY_MIN_EVENTS * 2 + 500;
    // Tabs, newlines and backslashes in the values must survive COPY's text format.
    const batch = Array.from({ length: n }, (_, i) =>
      sampleEvent(`big-${i}`, { userId: `u${i % 13}`, timestamp: 1_700_000_000_000 + (n - i), sessionId: i === 3 ? 'a\tb\nc\\d' : null }),
    );
    batch.push(sampleEvent('big-10')); // repeated within the batch
    const result = await store.appendEvents(batch);
    expect(result.accepted).toBe(n - 2);
    expect(result.duplicateIds).toEqual(['big-7', 'big-4000', 'big-10']);
    expect((await store.counts()).events).toBe(n);
    expect((await store.userEvents('u3', { limit: 100_000 })).find((e) => e.id === 'big-3')?.sessionId).toBe('a\tb\nc\\d');
  });

  it('copies a large batch of new ids straight in, in input order, and refuses none of a repeated one', async () => {
    const store = await open();
    const n = COPY_MIN_EVENTS + 100;
    // One timestamp for all, so the stored order is the insertion order (seq) alone.
    const batch = Array.from({ length: n }, (_, i) => sampleEvent(`fresh-${i}`, { userId: 'u1', timestamp: 1_700_000_000_000 }));
    expect(await store.appendEvents(batch)).toMatchObject({ accepted: n, duplicates: 0 });
    const stored = await store.userEvents('u1', { limit: 100_000 });
    expect(stored.map((e) => e.id)).toEqual(batch.map((e) => e.id));
    // The same batch again: the direct COPY meets a stored id, and the staged path counts every one as a duplicate.
    expect(await store.appendEvents(batch)).toMatchObject({ accepted: 0, duplicates: n });
    expect((await store.counts()).events).toBe(n);
  });

  it('runs again a large write that deadlocked on ids another writer held in the crossing order', async () => {
    const store = await open();
    // Two writers share two ids and meet them in opposite orders, each holding one the other needs:
    // PostgreSQL aborts one of them, which is run again once the other has committed.
    const filler = (tag: string) => Array.from({ length: COPY_MIN_EVENTS }, (_, i) => sampleEvent(`${tag}-${i}`));
    const a = [sampleEvent('shared-1'), ...filler('a'), sampleEvent('shared-2')];
    const b = [sampleEvent('shared-2'), ...filler('b'), sampleEvent('shared-1')];
    const [ra, rb] = await Promise.all([store.appendEvents(a), store.appendEvents(b)]);
    expect(ra.accepted + rb.accepted).toBe(2 * COPY_MIN_EVENTS + 2);
    expect(ra.duplicates + rb.duplicates).toBe(2);
    expect((await store.counts()).events).toBe(2 * COPY_MIN_EVENTS + 2);
  });

  it('refuses a NUL character with a clear error, and stores nothing of that batch', async () => {
    const store = await open();
    await expect(store.appendEvents([sampleEvent('ok-1'), sampleEvent('bad\u0000id')])).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect((await store.counts()).events).toBe(0);
  });

  it('leaves no test schema behind once dropped', async () => {
    const url = postgresSchemaUrl();
    await (await openStore(url)).close();
    expect(await testSchemas()).toContain(schemaOf(url));
    await dropSchemas([schemaOf(url)]);
    expect(await testSchemas()).not.toContain(schemaOf(url));
    expect(TEST_POSTGRES_URL).toMatch(/^postgres/);
  });
});
