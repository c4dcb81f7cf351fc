import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createPseudonymiser } from '../../privacy/index.js';
import { createTestApp, viewEvent, type TestApp } from '../../../test/support/test-app.js';

describe('/v1/users', () => {
  let t: TestApp;
  let open: TestApp | undefined;
  afterEach(async () => {
    await open?.close();
    open = undefined;
  });
  const start = async (options?: Parameters<typeof createTestApp>[0]) => {
    open = t = await createTestApp(options);
  };

  const ingest = (events: unknown[]) => t.call('ingest', { method: 'POST', url: '/v1/events', payload: { events } });

  it('stores attributes and consent, keeping fields left out, and 404s unknown users', async () => {
    await start();
    const put = await t.call('ingest', {
      method: 'PUT',
      url: '/v1/users/ann',
      payload: { attributes: { tier: 'gold' }, consent: { personalization: false } },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ id: 'ann', attributes: { tier: 'gold' }, consent: { tracking: true, personalization: false } });
    await t.call('ingest', { method: 'PUT', url: '/v1/users/ann', payload: { consent: { tracking: true } } });
    const got = await t.call('read', { method: 'GET', url: '/v1/users/ann' });
    expect(got.json()).toMatchObject({ id: 'ann', attributes: { tier: 'gold' }, consent: { tracking: true, personalization: false } });
    expect((await t.store.getUser('ann'))?.consent.personalization).toBe(false);
    expect((await t.call('read', { method: 'GET', url: '/v1/users/bob' })).statusCode).toBe(404);
  });

  it('rejects a bad user body with every problem path', async () => {
    await start();
    const res = await t.call('ingest', {
      method: 'PUT',
      url: '/v1/users/ann',
      payload: { attributes: 3, consent: { tracking: 'no', ads: true } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.problems.map((p: { path: string }) => p.path)).toEqual(
      expect.arrayContaining(['attributes', 'consent.tracking', 'consent']),
    );
  });

  it('lists the newest events, filtered by type, and 404s a user with no record and no events', async () => {
    await start();
    await ingest([viewEvent(1, 'ann'), { ...viewEvent(2, 'ann'), type: 'purchase' }, viewEvent(3, 'ann'), viewEvent(4, 'bob')]);
    const all = (await t.call('read', { method: 'GET', url: '/v1/users/ann/events?limit=2' })).json();
    expect(all.userId).toBe('ann');
    expect(all.events.map((e: { id: string }) => e.id)).toEqual(['e2', 'e3']);
    const purchases = (await t.call('read', { method: 'GET', url: '/v1/users/ann/events?types=purchase,cart' })).json();
    expect(purchases.events.map((e: { id: string }) => e.id)).toEqual(['e2']);
    const none = await t.call('read', { method: 'GET', url: '/v1/users/ann/events?types=cart' });
    expect(none.statusCode).toBe(200);
    expect(none.json().events).toEqual([]);
    expect((await t.call('read', { method: 'GET', url: '/v1/users/nobody/events' })).statusCode).toBe(404);
    const bad = await t.call('read', { method: 'GET', url: '/v1/users/ann/events?limit=0&types=teleport' });
    expect(bad.json().error.problems.map((p: { path: string }) => p.path)).toEqual(['query.limit', 'query.types.0']);
  });

  it('erases a user and all their events, leaving other users untouched', async () => {
    await start();
    await t.call('ingest', { method: 'PUT', url: '/v1/users/ann', payload: { attributes: { a: 1 } } });
    await t.call('ingest', { method: 'PUT', url: '/v1/users/bob', payload: {} });
    await ingest([viewEvent(1, 'ann'), viewEvent(2, 'ann'), viewEvent(3, 'bob')]);
    const res = await t.call('admin', { method: 'DELETE', url: '/v1/users/ann' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: 'ann', erased: { user: true, events: 2 } });
    expect(await t.store.getUser('ann')).toBeNull();
    expect(await t.store.userEvents('ann')).toEqual([]);
    expect(await t.store.getUser('bob')).not.toBeNull();
    expect((await t.store.userEvents('bob')).map((e) => e.id)).toEqual(['e3']);
    expect((await t.call('read', { method: 'GET', url: '/v1/users/ann/events' })).statusCode).toBe(404);
    expect((await t.call('admin', { method: 'DELETE', url: '/v1/users/ann' })).statusCode).toBe(404);
  });

  it('with CURIO_ID_SECRET, never lets the raw user id reach the SQLite file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'curio-serve-'));
    const file = join(dir, 'curio.db');
    const secret = 'a-test-secret-of-enough-length';
    const rawId = 'shopper-4711@example.com';
    try {
      await start({ storeUrl: `sqlite:${file}`, env: { CURIO_ID_SECRET: secret } });
      await t.call('ingest', {
        method: 'PUT',
        url: `/v1/users/${encodeURIComponent(rawId)}`,
        payload: { consent: { personalization: false } },
      });
      await ingest([viewEvent(1, rawId), viewEvent(2, rawId)]);
      // The API still speaks the shop's id.
      const got = (await t.call('read', { method: 'GET', url: `/v1/users/${encodeURIComponent(rawId)}/events` })).json();
      expect(got.events.map((e: { userId: string }) => e.userId)).toEqual([rawId, rawId]);
      const stored = createPseudonymiser(secret)(rawId);
      expect(stored).not.toBe(rawId);
      expect((await t.store.userEvents(stored)).length).toBe(2);

      const db = new Database(file, { readonly: true });
      const userIds = db.prepare('SELECT id FROM users').all() as Array<{ id: string }>;
      const eventUsers = db.prepare('SELECT DISTINCT user_id FROM events').all() as Array<{ user_id: string }>;
      db.close();
      expect(userIds).toEqual([{ id: stored }]);
      expect(eventUsers).toEqual([{ user_id: stored }]);
      for (const f of [file, `${file}-wal`].filter(existsSync)) {
        expect(readFileSync(f).includes(Buffer.from(rawId)), f).toBe(false);
      }
    } finally {
      await open?.close();
      open = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
