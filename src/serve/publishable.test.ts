// Publishable keys: a storefront's public key may only send visitor events and read visitor recommendations,
// only from its origins (CORS), rate-limited per visitor address; every other route answers 403.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { shopEvents, shopItems } from '../../test/support/recommend-shop.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';

const SHOP = 'https://shop.example';
const VISITOR = 'vis_Q2hlY2tWaXNpdG9ySWQx';

let t: TestApp;
let key: string;

async function createKey(body: Record<string, unknown>) {
  return t.call('admin', { method: 'POST', url: '/v1/admin/keys', payload: body });
}

/** A request with the publishable key in a header (or `?key=` when `inUrl`), from `origin`. */
function asPage(options: InjectOptions & { origin?: string | null; inUrl?: boolean; pk?: string }) {
  const { origin = SHOP, inUrl = false, pk = key, ...request } = options;
  const url = inUrl ? `${request.url}${String(request.url).includes('?') ? '&' : '?'}key=${pk}` : request.url;
  return t.app.inject({
    ...request,
    url,
    headers: { ...(origin === null ? {} : { origin }), ...(inUrl ? {} : { authorization: `Bearer ${pk}` }), ...request.headers },
  });
}

const visitEvent = (n: number, userId = VISITOR) => ({
  id: `pk-${n}`,
  userId,
  itemId: 'tea-1',
  type: 'view',
  timestamp: 1_700_000_000_000 + n,
});

beforeAll(async () => {
  t = await createTestApp({
    prepare: async (store) => {
      await store.upsertItems(shopItems());
      await store.appendEvents(shopEvents());
    },
  });
  const res = await createKey({ name: 'storefront', publishable: true, origins: [SHOP, 'http://127.0.0.1:5173'] });
  expect(res.statusCode, res.body).toBe(201);
  key = res.json().key;
});
afterAll(async () => t?.close());

describe('publishable keys', () => {
  it('are created with origins and no scopes, and listed as publishable', async () => {
    expect(key).toMatch(/^curio_pk_[A-Za-z0-9_-]{43}$/);
    const listed = (await t.call('admin', { method: 'GET', url: '/v1/admin/keys' })).json<{ keys: Array<Record<string, unknown>> }>();
    expect(listed.keys[0]).toMatchObject({
      kind: 'publishable',
      origins: [SHOP, 'http://127.0.0.1:5173'],
      scopes: [],
      rateLimitPerSecond: 20,
    });

    const bad = async (body: Record<string, unknown>) => (await createKey(body)).json<{ error: { problems: Array<{ path: string }> } }>();
    expect((await bad({ name: 'x', publishable: true })).error.problems).toEqual([expect.objectContaining({ path: 'origins' })]);
    expect((await bad({ name: 'x', publishable: true, origins: [SHOP], scopes: ['read'] })).error.problems[0].path).toBe('scopes');
    expect((await bad({ name: 'x', publishable: true, origins: ['https://shop.example/cart'] })).error.problems[0].path).toBe('origins.0');
    expect((await bad({ name: 'x', scopes: ['read'], origins: [SHOP] })).error.problems[0].path).toBe('origins');
    expect((await bad({ name: 'x' })).error.problems[0].path).toBe('scopes');
  });

  it('write visitor events and read visitor recommendations, with CORS for their origin', async () => {
    const ingest = await asPage({ method: 'POST', url: '/v1/events', payload: { events: [visitEvent(1), visitEvent(2)] } });
    expect(ingest.statusCode, ingest.body).toBe(200);
    expect(ingest.json()).toMatchObject({ accepted: 2 });
    expect(ingest.headers['access-control-allow-origin']).toBe(SHOP);
    expect(ingest.headers.vary).toMatch(/Origin/);

    // What navigator.sendBeacon sends: the key in the URL and the JSON as text/plain (no preflight).
    const beacon = await asPage({
      method: 'POST',
      url: '/v1/events',
      inUrl: true,
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      payload: JSON.stringify({ events: [visitEvent(3)] }),
    });
    expect(beacon.statusCode, beacon.body).toBe(200);
    expect(beacon.json()).toMatchObject({ accepted: 1 });
    expect((await t.store.userEvents(VISITOR)).map((e) => e.id).sort()).toEqual(['pk-1', 'pk-2', 'pk-3']);

    const recs = await asPage({ method: 'GET', url: `/v1/users/${VISITOR}/recommendations?n=3`, inUrl: true });
    expect(recs.statusCode, recs.body).toBe(200);
    expect(recs.json().items).toHaveLength(3);
    expect(recs.headers['access-control-allow-origin']).toBe(SHOP);
    // A same-origin GET carries no Origin header; its Referer names the page.
    const sameOrigin = await asPage({
      method: 'GET',
      url: `/v1/users/${VISITOR}/recommendations`,
      origin: null,
      headers: { referer: `${SHOP}/p/tea-1` },
    });
    expect(sameOrigin.statusCode).toBe(200);

    const session = await asPage({
      method: 'POST',
      url: '/v1/recommendations',
      payload: { events: [{ itemId: 'tea-1' }], n: 2, visitorId: VISITOR },
    });
    expect(session.statusCode, session.body).toBe(200);
  });

  it('answer 403 on every other route of the API', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    }>();
    const allowed = new Set(['POST /v1/events', 'POST /v1/recommendations', 'GET /v1/users/{id}/recommendations']);
    const refused: string[] = [];
    let checked = 0;
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (!operation.security?.length || allowed.has(`${method.toUpperCase()} ${path}`)) continue; // open routes need no key
        const url = path.replace(/\{[^}]+\}/g, VISITOR);
        const res = await asPage({ method: method.toUpperCase() as InjectOptions['method'], url, payload: {} });
        checked++;
        if (res.statusCode !== 403 || res.json().error.code !== 'FORBIDDEN') refused.push(`${method} ${path}: ${res.statusCode}`);
      }
    }
    expect(refused).toEqual([]);
    expect(checked).toBeGreaterThan(40);
    // Routes outside the document too: metrics, and erasure in particular.
    for (const [method, url] of [
      ['GET', '/metrics'],
      ['DELETE', `/v1/users/${VISITOR}`],
      ['GET', `/v1/users/${VISITOR}/events`],
    ] as const) {
      expect((await asPage({ method, url })).statusCode, `${method} ${url}`).toBe(403);
    }
  });

  it('are refused from another origin, or without one, and no CORS header lets that page read the answer', async () => {
    for (const origin of ['https://evil.example', 'http://shop.example', null]) {
      const res = await asPage({ method: 'POST', url: '/v1/events', origin, payload: { events: [visitEvent(10)] } });
      expect(res.statusCode, String(origin)).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect(await t.store.userEvents(VISITOR)).not.toContainEqual(expect.objectContaining({ id: 'pk-10' }));
  });

  it('only name visitor ids, and send storefront event types', async () => {
    const customer = await asPage({ method: 'POST', url: '/v1/events', payload: { events: [visitEvent(20), visitEvent(21, 'c-42')] } });
    expect(customer.statusCode).toBe(403);
    expect(customer.json().error.problems).toEqual([expect.objectContaining({ path: 'events.1.userId' })]);
    const impression = await asPage({
      method: 'POST',
      url: '/v1/events',
      payload: { events: [{ ...visitEvent(22), type: 'impression' }] },
    });
    expect(impression.json().error.problems).toEqual([expect.objectContaining({ path: 'events.0.type' })]);
    expect((await asPage({ method: 'GET', url: '/v1/users/s1/recommendations' })).statusCode).toBe(403);
    expect((await asPage({ method: 'POST', url: '/v1/recommendations', payload: { events: [], visitorId: 's1' } })).statusCode).toBe(403);
    expect(await t.store.userEvents('c-42')).toEqual([]);
  });

  it('are the only keys taken from a URL or with a text/plain body', async () => {
    const secret = await t.app.inject({ method: 'GET', url: '/v1/items/tea-1?key=read-key-0123456789ab' });
    expect(secret.statusCode).toBe(401);
    const text = await t.call('ingest', {
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify({ events: [visitEvent(30)] }),
    });
    expect(text.statusCode).toBe(400);
  });

  it('are rate-limited per visitor address, with Retry-After', async () => {
    const limited = (await createKey({ name: 'tight', publishable: true, origins: [SHOP], rateLimitPerSecond: 2 })).json().key as string;
    const get = (remoteAddress: string) =>
      asPage({ method: 'GET', url: `/v1/users/${VISITOR}/recommendations?n=1`, pk: limited, inUrl: true, remoteAddress });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get('10.0.0.1')).statusCode);
    expect(statuses).toEqual([200, 200, 429, 429]);
    const refused = await get('10.0.0.1');
    expect(refused.headers['retry-after']).toBeDefined();
    expect((await get('10.0.0.2')).statusCode).toBe(200); // another visitor is not held back by the first
  });
});
