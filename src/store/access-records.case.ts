/**
 * The conformance suite of API keys and the audit log. `describeStore` runs it for every adapter, so a new
 * adapter is checked against it the day it runs the store suite.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessRecords, AuditRecord, StoredApiKey } from './access-records.js';

/** What the suite needs of a store: the records and a way to close it. */
export type AccessStore = AccessRecords & { close(): Promise<void> };

export function sampleApiKey(id: string, overrides: Partial<StoredApiKey> = {}): StoredApiKey {
  return {
    id,
    name: `storefront "${id}"\n`,
    digest: id.padEnd(64, '0').slice(0, 64),
    scopes: ['read', 'ingest'],
    createdAt: '2025-03-01T12:00:00.000Z',
    expiresAt: null,
    revokedAt: null,
    rateLimitPerSecond: 20,
    createdBy: 'config key admin',
    ...overrides,
  };
}

export function sampleAudit(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    at: '2025-03-01T12:00:00.000Z',
    actor: 'key key-1',
    action: 'POST /v1/admin/models/:id/promote',
    target: 'mv-1',
    outcome: 'ok',
    status: 200,
    ...overrides,
  };
}

export function describeAccessRecords(name: string, open: () => Promise<AccessStore>): void {
  describe(`AccessRecords conformance: ${name}`, () => {
    let store: AccessStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('stores a key by its digest and reads it back exactly, oldest first in the list', async () => {
      const a = sampleApiKey('key-a', { expiresAt: '2030-01-01T00:00:00.000Z', rateLimitPerSecond: null });
      const b = sampleApiKey('key-b', { scopes: ['admin'], createdAt: '2025-03-02T00:00:00.000Z' });
      await store.addApiKey(a);
      await store.addApiKey(b);
      expect(await store.apiKeyByDigest(a.digest)).toEqual(a);
      expect(await store.apiKeyByDigest('f'.repeat(64))).toBeNull();
      expect(await store.listApiKeys()).toEqual([a, b]);
    });

    it('refuses a second key with the same id or the same digest', async () => {
      await store.addApiKey(sampleApiKey('key-a'));
      await expect(store.addApiKey(sampleApiKey('key-a', { digest: 'e'.repeat(64) }))).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(store.addApiKey(sampleApiKey('key-b', { digest: sampleApiKey('key-a').digest }))).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      expect(await store.listApiKeys()).toHaveLength(1);
    });

    it('revokes a key once: a second revocation keeps the first time; an unknown id is null', async () => {
      const a = sampleApiKey('key-a');
      await store.addApiKey(a);
      expect(await store.revokeApiKey('key-a', '2025-04-01T00:00:00.000Z')).toEqual({ ...a, revokedAt: '2025-04-01T00:00:00.000Z' });
      expect((await store.revokeApiKey('key-a', '2025-05-01T00:00:00.000Z'))?.revokedAt).toBe('2025-04-01T00:00:00.000Z');
      expect((await store.apiKeyByDigest(a.digest))?.revokedAt).toBe('2025-04-01T00:00:00.000Z');
      expect(await store.revokeApiKey('key-none', '2025-04-01T00:00:00.000Z')).toBeNull();
    });

    it('appends audit records in order and reads them newest first, by page and by target', async () => {
      const appended = [];
      for (let k = 0; k < 5; k++) {
        appended.push(await store.appendAudit(sampleAudit({ target: k % 2 === 0 ? 'user:abc' : `mv-${k}`, status: 200 + k })));
      }
      expect(appended.map((e) => e.id)).toEqual([...appended.map((e) => e.id)].sort((x, y) => x - y));
      expect(new Set(appended.map((e) => e.id)).size).toBe(5);
      expect(appended[0]).toEqual({ ...sampleAudit({ target: 'user:abc', status: 200 }), id: appended[0].id });

      const all = await store.listAudit();
      expect(all).toEqual([...appended].reverse());
      const page = await store.listAudit({ limit: 2 });
      expect(page.map((e) => e.status)).toEqual([204, 203]);
      const next = await store.listAudit({ limit: 2, before: page[1].id });
      expect(next.map((e) => e.status)).toEqual([202, 201]);
      expect((await store.listAudit({ target: 'user:abc' })).map((e) => e.status)).toEqual([204, 202, 200]);
      expect((await store.listAudit({ target: 'user:abc', before: appended[2].id })).map((e) => e.status)).toEqual([200]);
    });

    it('keeps a record without a target or status, and odd text, exactly', async () => {
      const record = sampleAudit({ target: null, status: null, outcome: 'failed', actor: 'cli (a"b\n)', action: 'curio keys revoke' });
      const entry = await store.appendAudit(record);
      expect(await store.listAudit()).toEqual([{ ...record, id: entry.id }]);
    });
  });
}
