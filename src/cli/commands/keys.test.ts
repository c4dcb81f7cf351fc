// `curio keys` and `curio audit` through the built CLI, against a server on the same store.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../store/index.js';
import { curio } from '../../../test/support/curio-cli.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

describe('curio keys and curio audit', () => {
  let dir: string;
  let store: string;
  let t: TestApp;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'curio-keys-cli-'));
    store = `sqlite:${join(dir, 'curio.db')}`;
    // No cache: what the CLI changes in the store holds for the server's next request.
    t = await createTestApp({ storeUrl: store, env: { CURIO_KEY_CACHE_SECONDS: '0' } });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const withKey = (key: string) =>
    t.app.inject({ method: 'GET', url: '/v1/items/nothing', headers: { authorization: `Bearer ${key}` } }).then((r) => r.statusCode);

  it('creates a key printed once, lists it without the key, revokes it; the server follows', async () => {
    const created = await curio(
      'keys',
      'create',
      '--name',
      'storefront',
      '--scopes',
      'read,ingest',
      '--rate-limit',
      '50',
      '--store',
      store,
    );
    expect(created.code).toBe(0);
    const key = /^\s+(curio_\S+)$/m.exec(created.out)?.[1];
    expect(key).toBeDefined();
    expect(created.out).toMatch(/created key-\S+ "storefront": scopes read,ingest, expires never, rate limit 50\/s/);
    expect(created.out).toContain('cannot show it again');
    expect(await withKey(key!)).toBe(404); // past auth

    const listed = await curio('keys', 'list', '--json', '--store', store);
    const keys = JSON.parse(listed.out) as Array<{ id: string; state: string; createdBy: string }>;
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ state: 'active', createdBy: expect.stringMatching(/^cli \(/) });
    expect(listed.out).not.toContain(key!);
    expect(listed.out).not.toContain('digest');

    const revoked = await curio('keys', 'revoke', keys[0].id, '--store', store);
    expect(revoked).toEqual({ code: 0, out: expect.stringMatching(new RegExp(`^revoked ${keys[0].id} "storefront" at `)) });
    expect(await withKey(key!)).toBe(401);
    expect((await curio('keys', 'revoke', 'key-nope', '--store', store)).code).not.toBe(0);
  });

  it('names each bad flag; --expires-in-days sets the expiry', async () => {
    const bad = await curio('keys', 'create', '--name', 'x', '--scopes', 'read,root', '--rate-limit', '0', '--store', store);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('scopes.1');
    expect(bad.out).toContain('rateLimitPerSecond');
    const both = await curio(
      'keys',
      'create',
      '--name',
      'x',
      '--scopes',
      'read',
      '--expires',
      '2100-01-01T00:00:00Z',
      '--expires-in-days',
      '3',
      '--store',
      store,
    );
    expect(both.code).toBe(2);
    expect(both.out).toContain('not both');
    const days = await curio('keys', 'create', '--name', 'week', '--scopes', 'read', '--expires-in-days', '7', '--json', '--store', store);
    const expiresAt = Date.parse((JSON.parse(days.out) as { expiresAt: string }).expiresAt);
    expect(Math.abs(expiresAt - (Date.now() + 7 * 86_400_000))).toBeLessThan(60_000);
  });

  it('reads the audit log: CLI and API actions, and an erasure found by the user id it does not contain', async () => {
    const raw = 'cli-audit-user-31b7';
    await t.call('ingest', { method: 'PUT', url: `/v1/users/${raw}`, payload: { attributes: {} } });
    expect((await t.call('admin', { method: 'DELETE', url: `/v1/users/${raw}` })).statusCode).toBe(200);
    expect((await curio('models', 'promote', 'mv-nope', '--store', store)).code).not.toBe(0);

    const all = JSON.parse((await curio('audit', '--json', '--store', store)).out) as AuditEntry[];
    expect(all.map((e) => [e.action, e.outcome])).toEqual([
      ['curio models promote', 'refused'],
      ['DELETE /v1/users/:id', 'ok'],
      ['curio keys create', 'ok'],
      ['curio keys revoke', 'refused'],
      ['curio keys revoke', 'ok'],
      ['curio keys create', 'ok'],
    ]);
    expect(all[0]).toMatchObject({ target: 'mv-nope', status: null, actor: expect.stringMatching(/^cli \(/) });
    expect(all[1]).toMatchObject({ actor: 'config key #3', status: 200 });
    expect(JSON.stringify(all)).not.toContain(raw);

    const mine = JSON.parse((await curio('audit', '--user', raw, '--json', '--store', store)).out) as AuditEntry[];
    expect(mine.map((e) => e.id)).toEqual([all[1].id]);
    const paged = JSON.parse(
      (await curio('audit', '--limit', '2', '--before', String(all[1].id), '--json', '--store', store)).out,
    ) as AuditEntry[];
    expect(paged).toEqual(all.slice(2, 4));
    const table = await curio('audit', '--store', store);
    expect(table.out).toContain('DELETE /v1/users/:id');
    expect(table.out).not.toContain(raw);
  });

  it('audits experiment changes made through the CLI', async () => {
    const file = join(dir, 'experiment.json');
    writeFileSync(file, JSON.stringify({ id: 'cli-exp', name: 'Audited', arms: [{ id: 'control' }, { id: 'more', exploreWeight: 0.3 }] }));
    expect((await curio('experiments', 'create', '--file', file, '--store', store)).code).toBe(0);
    expect((await curio('experiments', 'start', 'cli-exp', '--store', store)).code).toBe(0);
    expect((await curio('experiments', 'weights', 'cli-exp', 'more=2', '--store', store)).code).toBe(0);
    const newest = JSON.parse((await curio('audit', '--limit', '3', '--json', '--store', store)).out) as AuditEntry[];
    expect(newest.map((e) => [e.action, e.target, e.outcome])).toEqual([
      ['curio experiments weights', 'cli-exp', 'ok'],
      ['curio experiments start', 'cli-exp', 'ok'],
      ['curio experiments create', 'cli-exp', 'ok'],
    ]);
  });

  it('creates a publishable key for a storefront origin', async () => {
    const created = await curio(
      'keys',
      'create',
      '--name',
      'shop page',
      '--publishable',
      '--origin',
      'https://shop.example',
      '--store',
      store,
    );
    expect(created.code, created.out).toBe(0);
    expect(created.out).toMatch(/created key-\S+ "shop page": publishable from https:\/\/shop\.example, expires never, rate limit 20\/s/);
    const key = /^\s+(curio_pk_\S+)$/m.exec(created.out)?.[1];
    expect(key).toBeDefined();
    const visitor = (origin: string) =>
      t.app.inject({ method: 'GET', url: `/v1/users/vis_AAAAAAAAAAAAAAAAAAAA/recommendations?key=${key}`, headers: { origin } });
    expect((await visitor('https://shop.example')).statusCode).toBe(200);
    expect((await visitor('https://elsewhere.example')).statusCode).toBe(403);
    expect(await withKey(key!)).toBe(403); // GET /v1/items/:id is not a visitor route (and no origin)
    const noOrigin = await curio('keys', 'create', '--name', 'x', '--publishable', '--store', store);
    expect(noOrigin.code).not.toBe(0);
    expect(noOrigin.out).toMatch(/origins/);
  });
});
