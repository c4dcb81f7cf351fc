import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createPseudonymiser } from '../privacy/index.js';
import { KEYS } from '../../test/support/test-app.js';
import { loadConfig } from '../core/index.js';
import { openStore } from '../store/index.js';
import { createApp } from './app.js';
import { redactUrl } from './log-redaction.js';

const SECRET = 'log-test-secret-0123456789';
const RAW = 'zq-logged shopper/7f3a9c';

describe('the request log', () => {
  it('names the route and a per-process tag instead of user ids in URLs, even with pseudonymised ids', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const config = loadConfig({
      env: { CURIO_API_KEYS: `${KEYS.ingest}:ingest,${KEYS.read}:read,${KEYS.admin}:admin`, CURIO_ID_SECRET: SECRET },
      overrides: { logLevel: 'info', training: { worker: false } },
    });
    const store = await openStore('sqlite::memory:');
    const app = createApp({ config, store, processMetrics: false, logStream: stream });
    await app.ready();
    try {
      const as = (scope: keyof typeof KEYS) => ({ authorization: `Bearer ${KEYS[scope]}` });
      const path = `/v1/users/${encodeURIComponent(RAW)}`;
      await app.inject({ method: 'PUT', url: path, headers: as('ingest'), payload: { attributes: { tier: 'gold' } } });
      await app.inject({ method: 'GET', url: `${path}/recommendations?n=3`, headers: as('read') });
      await app.inject({ method: 'GET', url: `${path}/events?limit=5`, headers: as('read') });
      await app.inject({ method: 'GET', url: `/v1/trending?visitorId=${encodeURIComponent(RAW)}&n=2`, headers: as('read') });
      await app.inject({ method: 'DELETE', url: path, headers: as('admin') });
    } finally {
      await app.close();
      await store.close();
    }
    const log = lines.join('\n');
    expect(lines.length).toBeGreaterThan(5);
    for (const needle of [RAW, encodeURIComponent(RAW), 'zq-logged', createPseudonymiser(SECRET)(RAW)]) expect(log).not.toContain(needle);
    // Still useful: the route, the rest of the query, and one tag for the same user across requests.
    const urls = lines.map((l) => (JSON.parse(l) as { req?: { url?: string } }).req?.url).filter((u): u is string => u !== undefined);
    expect(urls).toHaveLength(5);
    expect(urls[1]).toMatch(/^\/v1\/users\/~[0-9a-f]{8}\/recommendations\?n=3$/);
    expect(new Set(urls.slice(0, 3).map((u) => u.split('/')[3])).size).toBe(1);
    expect(urls[3]).toMatch(/^\/v1\/trending\?visitorId=~[0-9a-f]{8}&n=2$/);
  });

  it('leaves URLs without a user id as they are', () => {
    const tag = () => '~tag';
    expect(redactUrl('/v1/items/sku-1/similar?n=3', tag)).toBe('/v1/items/sku-1/similar?n=3');
    expect(redactUrl('/v1/users?limit=5', tag)).toBe('/v1/users?limit=5');
    expect(redactUrl('/v1/users/ann', tag)).toBe('/v1/users/~tag');
    expect(redactUrl('/v1/users/ann/segment?userId=bob', tag)).toBe('/v1/users/~tag/segment?userId=~tag');
  });

  it('never logs a key sent in the URL', () => {
    const tag = () => '~tag';
    expect(redactUrl('/v1/users/vis_abc/recommendations?key=curio_pk_secretish&n=3', tag)).toBe('/v1/users/~tag/recommendations?key=…&n=3');
    expect(redactUrl('/v1/events?KEY=curio_leaked', tag)).toBe('/v1/events?KEY=…');
  });
});
