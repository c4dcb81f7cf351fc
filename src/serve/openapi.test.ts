import { describe, expect, it } from 'vitest';
import { loadConfig } from '../core/index.js';
import { openStore } from '../store/index.js';
import { createApp } from './app.js';

interface Operation {
  summary?: string;
  security?: unknown[];
  responses: Record<string, unknown>;
  requestBody?: { content: Record<string, { schema: { properties: Record<string, { items?: { properties?: object } }> } }> };
}

describe('OpenAPI document', () => {
  it('lists every route the app serves, with summaries, security and error responses', async () => {
    const store = await openStore('sqlite::memory:');
    const config = loadConfig({ env: { CURIO_API_KEYS: 'openapi-test-key-0001:admin', CURIO_LOG_LEVEL: 'silent' } });
    const app = createApp({ config, store, processMetrics: false });
    const served: Array<{ method: string; url: string; scope?: string }> = [];
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const hidden = (route.schema as { hide?: boolean } | undefined)?.hide;
      for (const method of methods) if (method !== 'HEAD' && !hidden) served.push({ method, url: route.url, scope: route.config?.scope });
    });
    await app.ready();
    try {
      const res = await app.inject({ method: 'GET', url: '/openapi.json' });
      expect(res.statusCode).toBe(200);
      const doc = res.json() as { openapi: string; paths: Record<string, Record<string, Operation>> };
      expect(doc.openapi).toMatch(/^3\./);

      const ours = served.filter((r) => r.scope !== undefined);
      expect(ours.length).toBeGreaterThanOrEqual(12);
      for (const route of ours) {
        const path = route.url.replace(/:(\w+)/g, '{$1}');
        const op = doc.paths[path]?.[route.method.toLowerCase()];
        expect(op, `${route.method} ${route.url} is documented`).toBeDefined();
        expect(op.summary).toBeTruthy();
        if (route.scope !== 'open') {
          expect(op.security).toHaveLength(2);
          expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
        }
      }
      const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
      expect(documented).toHaveLength(ours.length);

      // The batch body documents the row schema, though the route validates rows one by one.
      const events = doc.paths['/v1/events'].post.requestBody!.content['application/json'].schema.properties.events;
      expect(Object.keys(events.items!.properties!)).toEqual(
        expect.arrayContaining(['id', 'userId', 'itemId', 'type', 'timestamp', 'context']),
      );
      expect(Object.keys(doc.paths['/v1/events'].post.responses)).toEqual(expect.arrayContaining(['200', '400', '413']));
    } finally {
      await app.close();
      await store.close();
    }
  });
});
