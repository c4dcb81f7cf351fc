// The audit log over HTTP: every kind of admin action lands in it, under the key that did it, and an
// erasure's record keeps neither the user's id nor its pseudonym.
import { createHmac } from 'node:crypto';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditUserTarget } from '../privacy/index.js';
import type { AuditEntry } from '../store/index.js';
import { createLoopShop, fittedVersion, type LoopShop } from '../../test/support/loop-shop.js';
import { createApp } from './app.js';

const ADMIN = 'audit-test-admin-key-0001';
const READER = 'audit-test-read-key-00001';
const ID_SECRET = 'audit-test-id-secret-0001';
/** A user id no other row or log line could hold by chance. */
const RAW_USER = 'erase-me-7f3a9c1e-audit';

describe('the audit log', () => {
  let shop: LoopShop;
  let app: FastifyInstance;
  const call = (key: string | null, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    app.inject({ method, url, payload, headers: key ? { authorization: `Bearer ${key}` } : {} });
  const entries = async (query = ''): Promise<AuditEntry[]> => {
    const res = await call(ADMIN, 'GET', `/v1/admin/audit${query}`);
    expect(res.statusCode).toBe(200);
    return res.json<{ entries: AuditEntry[] }>().entries;
  };
  const newest = async (): Promise<AuditEntry> => (await entries('?limit=1'))[0];

  beforeAll(async () => {
    shop = await createLoopShop({ users: 40, items: 20, days: 3 });
    const config = {
      ...shop.config,
      auth: {
        keys: [
          { key: ADMIN, scopes: ['admin' as const], name: 'ops' },
          { key: READER, scopes: ['read' as const] },
        ],
        disabled: false,
        keyCacheSeconds: 5,
      },
      privacy: { ...shop.config.privacy, idSecret: ID_SECRET },
    };
    app = createApp({ config, store: shop.store, processMetrics: false });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await shop?.close();
  });

  it('records an erasure under a hash of the stored id, never the id or its pseudonym', async () => {
    const event = { id: 'audit-e1', userId: RAW_USER, itemId: 'i1', type: 'view', timestamp: Date.UTC(2026, 0, 2) };
    expect((await call(ADMIN, 'POST', '/v1/events', { events: [event] })).statusCode).toBe(200);
    const erased = await call(ADMIN, 'DELETE', `/v1/users/${RAW_USER}`);
    expect(erased.statusCode).toBe(200);

    const pseudonym = createHmac('sha256', ID_SECRET).update(RAW_USER).digest('hex');
    const entry = await newest();
    expect(entry).toMatchObject({
      actor: 'config key ops',
      action: 'DELETE /v1/users/:id',
      target: auditUserTarget(pseudonym),
      outcome: 'ok',
      status: 200,
    });
    const stored = JSON.stringify(await shop.store.listAudit({ limit: 1000 }));
    expect(stored).not.toContain(RAW_USER);
    expect(stored).not.toContain(pseudonym);
    // The table's bytes, too (read through SQLite, so rows still in the write-ahead log count).
    const db = new Database(shop.url.slice('sqlite:'.length), { readonly: true });
    try {
      const rows = JSON.stringify(db.prepare('SELECT * FROM audit_log').all());
      expect(rows).toContain('DELETE /v1/users/:id');
      expect(rows).not.toContain(RAW_USER);
      expect(rows).not.toContain(pseudonym);
    } finally {
      db.close();
    }
    // `curio audit --user` finds it the same way.
    expect((await entries(`?target=${auditUserTarget(pseudonym)}`)).map((e) => e.id)).toEqual([entry.id]);
    // Another user's erasure is recorded under another hash.
    const other = await call(ADMIN, 'DELETE', '/v1/users/nobody-at-all');
    expect(await newest()).toMatchObject({ status: other.statusCode, target: expect.stringMatching(/^user:[0-9a-f]{32}$/) });
    expect((await newest()).target).not.toBe(entry.target);
  });

  it('records key creation and revocation, naming the key that acted', async () => {
    const created = await call(ADMIN, 'POST', '/v1/admin/keys', { name: 'second admin', scopes: ['admin'] });
    expect(created.statusCode).toBe(201);
    const { id, key } = created.json<{ id: string; key: string }>();
    expect(await newest()).toMatchObject({
      actor: 'config key ops',
      action: 'POST /v1/admin/keys',
      target: id,
      outcome: 'ok',
      status: 201,
    });
    expect(JSON.stringify(await entries())).not.toContain(key);

    const other = await call(key, 'POST', '/v1/admin/keys', { name: 'made by a stored key', scopes: ['read'] });
    const otherId = other.json<{ id: string }>().id;
    expect(await newest()).toMatchObject({ actor: `key ${id}`, target: otherId });
    expect((await call(key, 'DELETE', `/v1/admin/keys/${otherId}`)).statusCode).toBe(200);
    expect(await newest()).toMatchObject({ actor: `key ${id}`, action: 'DELETE /v1/admin/keys/:id', target: otherId, outcome: 'ok' });
    expect((await call(ADMIN, 'DELETE', '/v1/admin/keys/key-none')).statusCode).toBe(404);
    expect(await newest()).toMatchObject({ target: 'key-none', outcome: 'refused', status: 404 });
  });

  it('records promotion and rollback of model versions', async () => {
    const first = await fittedVersion(shop);
    const second = await fittedVersion(shop);
    expect((await call(ADMIN, 'POST', `/v1/admin/models/${first.id}/promote`)).statusCode).toBe(200);
    expect(await newest()).toMatchObject({ action: 'POST /v1/admin/models/:id/promote', target: first.id, outcome: 'ok' });
    expect((await call(ADMIN, 'POST', `/v1/admin/models/${second.id}/promote`)).statusCode).toBe(200);
    expect((await call(ADMIN, 'POST', '/v1/admin/models/rollback')).statusCode).toBe(200);
    // A rollback's target is the version it serves again.
    expect(await newest()).toMatchObject({ action: 'POST /v1/admin/models/rollback', target: first.id, outcome: 'ok' });
  });

  it('records every experiment change: create, start, weights, pause, pre-evaluate, stop', async () => {
    const definition = { id: 'audit-exp', name: 'Audit', arms: [{ id: 'control' }, { id: 'greedy', policy: 'greedy' }] };
    const base = '/v1/admin/experiments';
    const steps: Array<[string, string, object | undefined]> = [
      [base, `POST ${base}`, definition],
      [`${base}/audit-exp/start`, `POST ${base}/:id/start`, undefined],
      [`${base}/audit-exp/weights`, `POST ${base}/:id/weights`, { arms: [{ id: 'greedy', weight: 3 }] }],
      [`${base}/audit-exp/pause`, `POST ${base}/:id/pause`, undefined],
      [`${base}/audit-exp/pre-evaluate`, `POST ${base}/:id/pre-evaluate`, {}],
      [`${base}/audit-exp/stop`, `POST ${base}/:id/stop`, undefined],
    ];
    const statuses: number[] = [];
    for (const [url, action, payload] of steps) {
      const res = await call(ADMIN, 'POST', url, payload);
      statuses.push(res.statusCode);
      const entry = await newest();
      expect(entry, action).toMatchObject({ actor: 'config key ops', action, target: 'audit-exp', status: res.statusCode });
      expect(entry.outcome, action).toBe(res.statusCode < 400 ? 'ok' : res.statusCode < 500 ? 'refused' : 'failed');
    }
    expect(statuses).toEqual([201, 200, 200, 200, 200, 200]);
  });

  it('records a known key refused for its scope, and nothing for reads or for calls without a known key', async () => {
    const before = (await newest()).id;
    expect((await call(READER, 'DELETE', '/v1/users/someone')).statusCode).toBe(403);
    expect(await newest()).toMatchObject({ actor: 'config key #2', action: 'DELETE /v1/users/:id', outcome: 'denied', status: 403 });
    const denied = (await newest()).id;
    expect((await call(null, 'DELETE', '/v1/users/someone')).statusCode).toBe(401);
    expect((await call('not-a-key-of-this-server', 'POST', '/v1/admin/models/rollback')).statusCode).toBe(401);
    expect((await call(ADMIN, 'GET', '/v1/admin/models')).statusCode).toBe(200);
    expect((await call(READER, 'GET', '/v1/admin/audit')).statusCode).toBe(403);
    expect((await newest()).id).toBe(denied);
    expect(denied).toBe(before + 1);
  });

  it('pages newest first with limit and before, and says where the next page starts', async () => {
    const all = await entries('?limit=1000');
    expect(all.length).toBeGreaterThan(5);
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => b - a));
    const page = (await call(ADMIN, 'GET', '/v1/admin/audit?limit=2')).json<{ entries: AuditEntry[]; next: number | null }>();
    expect(page.entries).toEqual(all.slice(0, 2));
    expect(page.next).toBe(all[1].id);
    expect(await entries(`?limit=3&before=${page.next}`)).toEqual(all.slice(2, 5));
    const last = (await call(ADMIN, 'GET', `/v1/admin/audit?limit=1000&before=${all[1].id}`)).json<{ next: number | null }>();
    expect(last.next).toBeNull();
    const bad = await call(ADMIN, 'GET', '/v1/admin/audit?limit=0&before=x');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.problems.map((p: { path: string }) => p.path)).toEqual(['query.limit', 'query.before']);
  });
});
