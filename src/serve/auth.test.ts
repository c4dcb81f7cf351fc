import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/index.js';
import { openStore } from '../store/index.js';
import { createApp } from './app.js';
import { createTestApp, KEYS, type TestApp } from '../../test/support/test-app.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const ROUTES: Array<{ method: Method; url: string; scope: 'ingest' | 'read' | 'admin' }> = [
  { method: 'POST', url: '/v1/events', scope: 'ingest' },
  { method: 'PUT', url: '/v1/items', scope: 'ingest' },
  { method: 'PATCH', url: '/v1/items/x', scope: 'ingest' },
  { method: 'PUT', url: '/v1/users/x', scope: 'ingest' },
  { method: 'GET', url: '/v1/items/x', scope: 'read' },
  { method: 'GET', url: '/v1/users/x', scope: 'read' },
  { method: 'GET', url: '/v1/users/x/events', scope: 'read' },
  { method: 'GET', url: '/metrics', scope: 'read' },
  { method: 'DELETE', url: '/v1/items/x', scope: 'admin' },
  { method: 'DELETE', url: '/v1/users/x', scope: 'admin' },
];

describe('API keys and scopes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  for (const route of ROUTES) {
    it(`${route.method} ${route.url} needs the ${route.scope} scope`, async () => {
      const none = await t.call(null, { method: route.method, url: route.url, payload: {} });
      expect(none.statusCode).toBe(401);
      expect(none.json().error.code).toBe('UNAUTHORIZED');
      for (const as of ['ingest', 'read', 'admin'] as const) {
        const res = await t.call(as, { method: route.method, url: route.url, payload: {} });
        const allowed = as === route.scope || as === 'admin';
        if (allowed) expect([401, 403]).not.toContain(res.statusCode);
        else {
          expect(res.statusCode).toBe(403);
          expect(res.json().error.code).toBe('FORBIDDEN');
        }
      }
    });
  }

  it('rejects an unknown key with 401 and accepts x-api-key', async () => {
    const wrong = await t.app.inject({ method: 'GET', url: '/v1/items/x', headers: { authorization: 'Bearer not-a-real-key-at-all' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.message).toMatch(/unknown API key/);
    const viaHeader = await t.app.inject({ method: 'GET', url: '/v1/items/x', headers: { 'x-api-key': KEYS.read } });
    expect(viaHeader.statusCode).toBe(404); // past auth; the item does not exist
  });

  it('leaves health, readiness, docs and the OpenAPI document open', async () => {
    for (const url of ['/healthz', '/readyz', '/docs', '/openapi.json']) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    }
  });

  it('answers unknown routes with a JSON 404, key or not', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no route GET /v1/nothing-here', problems: [] } });
  });
});

describe('auth configuration', () => {
  it('refuses to build an app without keys unless auth is disabled', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      const config = loadConfig({ env: { CURIO_LOG_LEVEL: 'silent' } });
      expect(() => createApp({ config, store })).toThrow(/no API keys configured.*CURIO_API_KEYS/);
      const open = createApp({ config: { ...config, auth: { ...config.auth, keys: [], disabled: true } }, store, processMetrics: false });
      const res = await open.inject({ method: 'GET', url: '/v1/items/x' });
      expect(res.statusCode).toBe(404);
      await open.close();
    } finally {
      await store.close();
    }
  });
});
