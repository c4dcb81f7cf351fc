// API keys kept in the store: created over the admin API, they authenticate with their scopes, expire,
// are revoked on every node, carry their own rate limit, and are never stored in clear.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyDigest } from '../../privacy/index.js';
import { createTestApp, KEYS, type TestApp } from '../../../test/support/test-app.js';

interface CreatedKey {
  id: string;
  key: string;
  name: string;
  scopes: string[];
  state: string;
  expiresAt: string | null;
  revokedAt: string | null;
  rateLimitPerSecond: number | null;
  createdBy: string;
}

const dir = mkdtempSync(join(tmpdir(), 'curio-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const opened: TestApp[] = [];
async function app(options: Parameters<typeof createTestApp>[0] = {}): Promise<TestApp> {
  const t = await createTestApp(options);
  opened.push(t);
  return t;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

async function createKey(t: TestApp, body: Record<string, unknown>): Promise<CreatedKey> {
  const res = await t.call('admin', { method: 'POST', url: '/v1/admin/keys', payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<CreatedKey>();
}

/** A request with a key that is not one of the test app's. */
const as = (t: TestApp, key: string, method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object) =>
  t.app.inject({ method, url, payload, headers: { authorization: `Bearer ${key}` } });

describe('stored API keys', () => {
  it('authenticates a created key with exactly its scopes', async () => {
    const t = await app();
    const created = await createKey(t, { name: 'storefront', scopes: ['read', 'ingest'] });
    expect(created).toMatchObject({
      name: 'storefront',
      scopes: ['read', 'ingest'],
      state: 'active',
      expiresAt: null,
      createdBy: 'config key #3',
    });
    expect(created.key).toMatch(/^curio_[A-Za-z0-9_-]{43}$/);
    expect(created.id).toMatch(/^key-/);

    expect((await as(t, created.key, 'GET', '/v1/items/nothing')).statusCode).toBe(404); // past auth
    expect((await t.app.inject({ method: 'GET', url: '/v1/items/nothing', headers: { 'x-api-key': created.key } })).statusCode).toBe(404);
    const put = await as(t, created.key, 'PUT', '/v1/items', { items: [{ id: 'i1', title: 'One' }] });
    expect(put.statusCode).toBe(200);
    for (const [method, url] of [
      ['DELETE', '/v1/users/u1'],
      ['GET', '/v1/admin/keys'],
      ['POST', '/v1/admin/keys'],
    ] as const) {
      const res = await as(t, created.key, method, url, {});
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    }
    // An admin key made this way manages keys itself.
    const admin = await createKey(t, { name: 'second admin', scopes: ['admin'] });
    const listed = await as(t, admin.key, 'GET', '/v1/admin/keys');
    expect(listed.statusCode).toBe(200);
    const body = listed.json<{ keys: Array<Record<string, unknown>>; configured: unknown[] }>();
    expect(body.keys.map((k) => k.id)).toEqual([created.id, admin.id]);
    // The list never shows a key or its digest.
    expect(JSON.stringify(body)).not.toContain(created.key);
    expect(JSON.stringify(body)).not.toContain(apiKeyDigest(created.key));
    expect(body.keys[0]).not.toHaveProperty('key');
    expect(body.configured).toEqual([
      { actor: 'config key #1', scopes: ['ingest'] },
      { actor: 'config key #2', scopes: ['read'] },
      { actor: 'config key #3', scopes: ['admin'] },
    ]);
  });

  it('refuses an expired key with 401 at the first request after its expiry, cached or not', async () => {
    const t = await app();
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const created = await createKey(t, { name: 'short-lived', scopes: ['read'], expiresAt });
    expect(created.expiresAt).toBe(expiresAt);
    expect((await as(t, created.key, 'GET', '/v1/items/nothing')).statusCode).toBe(404); // read, so now cached
    await new Promise((r) => setTimeout(r, Date.parse(expiresAt) - Date.now() + 20));
    const refused = await as(t, created.key, 'GET', '/v1/items/nothing');
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error).toMatchObject({ code: 'UNAUTHORIZED', message: 'this API key has expired' });
    const listed = (await t.call('admin', { method: 'GET', url: '/v1/admin/keys' })).json<{ keys: Array<{ state: string }> }>();
    expect(listed.keys[0].state).toBe('expired');
  });

  it('refuses a revoked key with 401 at its next request; revoking again changes nothing; an unknown id is 404', async () => {
    const t = await app();
    const created = await createKey(t, { name: 'to revoke', scopes: ['read'] });
    expect((await as(t, created.key, 'GET', '/v1/items/nothing')).statusCode).toBe(404);
    const revoked = await t.call('admin', { method: 'DELETE', url: `/v1/admin/keys/${created.id}` });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ id: created.id, state: 'revoked', revokedAt: expect.any(String) });
    const refused = await as(t, created.key, 'GET', '/v1/items/nothing');
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.message).toBe('this API key has been revoked');
    const again = await t.call('admin', { method: 'DELETE', url: `/v1/admin/keys/${created.id}` });
    expect(again.json().revokedAt).toBe(revoked.json().revokedAt);
    const unknown = await t.call('admin', { method: 'DELETE', url: '/v1/admin/keys/key-nope' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('NOT_FOUND');
  });

  it('is refused by another node on the same store within auth.keyCacheSeconds of a revocation', async () => {
    const url = `sqlite:${join(dir, `nodes-${n++}.db`)}`;
    const a = await app({ storeUrl: url, env: { CURIO_KEY_CACHE_SECONDS: '0.5' } });
    const b = await app({ storeUrl: url, env: { CURIO_KEY_CACHE_SECONDS: '0.5' } });
    const created = await createKey(a, { name: 'shared', scopes: ['read'] });
    expect((await as(b, created.key, 'GET', '/v1/items/nothing')).statusCode).toBe(404);
    expect((await a.call('admin', { method: 'DELETE', url: `/v1/admin/keys/${created.id}` })).statusCode).toBe(200);
    const revokedAt = Date.now();
    expect((await as(a, created.key, 'GET', '/v1/items/nothing')).statusCode).toBe(401);
    // Node b trusts what it read for at most half a second.
    let status = 0;
    while ((status = (await as(b, created.key, 'GET', '/v1/items/nothing')).statusCode) !== 401) {
      expect(Date.now() - revokedAt).toBeLessThan(1000);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(status).toBe(401);
  });

  it('answers 429 past the key’s own rate limit, without touching other keys', async () => {
    const t = await app();
    const limited = await createKey(t, { name: 'limited', scopes: ['read'], rateLimitPerSecond: 2 });
    expect(limited.rateLimitPerSecond).toBe(2);
    const statuses: number[] = [];
    for (let k = 0; k < 3; k++) statuses.push((await as(t, limited.key, 'GET', '/v1/items/nothing')).statusCode);
    expect(statuses).toEqual([404, 404, 429]);
    const refused = await as(t, limited.key, 'GET', '/v1/items/nothing');
    expect(refused.json().error).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/more than 2 requests per second/) });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The server has no limit of its own (server.rateLimitPerSecond = 0): other keys are not counted.
    for (let k = 0; k < 5; k++) expect((await t.call('read', { method: 'GET', url: '/v1/items/nothing' })).statusCode).toBe(404);
    const unlimited = await createKey(t, { name: 'unlimited', scopes: ['read'] });
    for (let k = 0; k < 5; k++) expect((await as(t, unlimited.key, 'GET', '/v1/items/nothing')).statusCode).toBe(404);
  });

  it('answers 400 naming each bad field', async () => {
    const t = await app();
    const bad = async (payload: unknown) => {
      const res = await t.call('admin', { method: 'POST', url: '/v1/admin/keys', payload: payload as object });
      expect(res.statusCode).toBe(400);
      return res.json<{ error: { problems: Array<{ path: string; message: string }> } }>().error.problems;
    };
    const problems = await bad({
      name: '  ',
      scopes: ['read', 'root'],
      expiresAt: '2001-01-01T00:00:00Z',
      rateLimitPerSecond: 0,
      owner: 'me',
    });
    expect(problems.map((p) => p.path).sort()).toEqual(['(root)', 'expiresAt', 'name', 'rateLimitPerSecond', 'scopes.1']);
    expect(problems.find((p) => p.path === 'expiresAt')?.message).toBe('must be in the future');
    expect((await bad({ name: 'x', scopes: [] })).map((p) => p.path)).toEqual(['scopes']);
    expect((await bad({ name: 'x', scopes: ['read', 'read'] }))[0]).toEqual({ path: 'scopes', message: 'each scope once' });
    expect((await bad({ name: 'x', scopes: ['read'], expiresAt: 'tomorrow' })).map((p) => p.path)).toEqual(['expiresAt']);
    expect((await t.call('admin', { method: 'GET', url: '/v1/admin/keys' })).json().keys).toEqual([]);
  });

  it('stores no key in clear: the SQLite files hold its digest, never the key', async () => {
    const storeDir = mkdtempSync(join(dir, 'bytes-'));
    const t = await app({ storeUrl: `sqlite:${join(storeDir, 'curio.db')}` });
    const created = await createKey(t, { name: 'scanned', scopes: ['read', 'ingest'] });
    expect((await as(t, created.key, 'GET', '/v1/items/nothing')).statusCode).toBe(404);
    expect((await t.call('admin', { method: 'DELETE', url: `/v1/admin/keys/${created.id}` })).statusCode).toBe(200);
    await t.close();
    opened.splice(opened.indexOf(t), 1);
    // Every file SQLite wrote (the database, and its write-ahead log and shared memory if left behind).
    const bytes = Buffer.concat(readdirSync(storeDir).map((f) => readFileSync(join(storeDir, f))));
    expect(bytes.includes(apiKeyDigest(created.key))).toBe(true); // the scan sees the key's row
    expect(bytes.includes(created.key)).toBe(false);
    expect(bytes.includes(created.key.slice('curio_'.length))).toBe(false);
    expect(bytes.includes(Buffer.from(created.key.slice('curio_'.length), 'base64url'))).toBe(false);
  });
});

describe('configured keys beside stored ones', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('keeps accepting the configuration’s keys, which cannot be revoked through the API', async () => {
    expect((await t.call('read', { method: 'GET', url: '/v1/items/nothing' })).statusCode).toBe(404);
    const res = await t.call('admin', { method: 'DELETE', url: '/v1/admin/keys/config:1' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toMatch(/configuration/);
    expect((await t.app.inject({ method: 'GET', url: '/v1/items/x', headers: { authorization: `Bearer ${KEYS.read}x` } })).statusCode).toBe(
      401,
    );
  });
});
