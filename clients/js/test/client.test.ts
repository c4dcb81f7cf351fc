// @curio/client against a live server (the Fastify app listening on a port, over a SQLite file in a temp
// folder): typed calls, retries on the server's real 429 and on real 5xx answers from a proxy in front of
// it, and event batching bounded by size and by time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCurioClient, type CurioClient } from '../src/index.js';
import { startFlakyProxy, type FlakyProxy } from '../../../test/support/flaky-proxy.js';
import { shopEvents, shopItems } from '../../../test/support/recommend-shop.js';
import { createTestApp, KEYS, type TestApp } from '../../../test/support/test-app.js';

const dir = mkdtempSync(join(tmpdir(), 'curio-client-'));
let t: TestApp;
let server: string;

beforeAll(async () => {
  t = await createTestApp({
    storeUrl: `sqlite:${join(dir, 'curio.db')}`,
    prepare: async (store) => {
      await store.upsertItems(shopItems());
      await store.appendEvents(shopEvents());
    },
  });
  server = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

const proxies: FlakyProxy[] = [];
const clients: CurioClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

function client(options: Partial<Parameters<typeof createCurioClient>[0]> = {}): CurioClient {
  const c = createCurioClient({ baseUrl: server, apiKey: KEYS.admin, retry: { baseDelayMs: 20 }, ...options });
  clients.push(c);
  return c;
}

async function proxy(plan: Parameters<typeof startFlakyProxy>[1]): Promise<FlakyProxy> {
  const p = await startFlakyProxy(server, plan);
  proxies.push(p);
  return p;
}

const storedIds = async (userId: string) => (await t.store.userEvents(userId, { limit: 1000 })).map((e) => e.id).sort();

describe('@curio/client against a live server', () => {
  it('makes typed calls: items, events, recommendations, errors in the documented shape', async () => {
    const { api } = client();
    const put = await api.PUT('/v1/items', {
      body: { items: [{ id: 'sku-1', title: 'Linen shirt', categoryPath: ['Men', 'Shirts'], price: 49.5 }] },
    });
    expect(put.data).toEqual({ accepted: 1, rejected: [] });
    const item = await api.GET('/v1/items/{id}', { params: { path: { id: 'sku-1' } } });
    expect(item.data?.title).toBe('Linen shirt');
    expect(item.data?.price).toBe(49.5);

    const recs = await api.GET('/v1/users/{id}/recommendations', { params: { path: { id: 's1' }, query: { n: 3 } } });
    expect(recs.response.status).toBe(200);
    expect(recs.data?.items).toHaveLength(3);
    expect(typeof recs.data?.recommendationId).toBe('string');

    const missing = await api.GET('/v1/items/{id}', { params: { path: { id: 'nope' } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.error.code).toBe('NOT_FOUND');

    // A read key is refused admin routes (403), typed as an error, not retried.
    const reader = client({ apiKey: KEYS.read });
    const refused = await reader.api.GET('/v1/admin/keys');
    expect(refused.response.status).toBe(403);
  });

  it('retries a real 429 from the server’s rate limit, waiting its Retry-After', async () => {
    const admin = client();
    const created = await admin.api.POST('/v1/admin/keys', { body: { name: 'limited', scopes: ['read'], rateLimitPerSecond: 2 } });
    const key = created.data!.key;
    const statuses: number[] = [];
    // Counts what the network answered; the requests are real ones to the real server.
    const counting = async (request: Request) => {
      const response = await fetch(request);
      statuses.push(response.status);
      return response;
    };
    const limited = client({ apiKey: key, fetch: counting, retry: { maxRetries: 6, baseDelayMs: 20 } });
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => limited.api.GET('/v1/items/{id}', { params: { path: { id: 'tea-1' } } })),
    );
    expect(answers.map((a) => a.response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // 5 requests at 2/s cannot all pass in the first second

    // Without retries the same burst gets the 429s back.
    const impatient = client({ apiKey: key, retry: { maxRetries: 0 } });
    await new Promise((r) => setTimeout(r, 1100));
    const raw = await Promise.all(
      Array.from({ length: 5 }, () => impatient.api.GET('/v1/items/{id}', { params: { path: { id: 'tea-1' } } })),
    );
    expect(raw.filter((a) => a.response.status === 429).length).toBeGreaterThanOrEqual(3);
  });

  it('retries real 5xx answers for idempotent requests and event ingestion, not for other POSTs', async () => {
    const flaky = await proxy((n) => (n < 2 ? { fail: 503 } : { forward: true }));
    const c = client({ baseUrl: flaky.url });
    const item = await c.api.GET('/v1/items/{id}', { params: { path: { id: 'tea-1' } } });
    expect(item.response.status).toBe(200);
    expect(flaky.requests.map((r) => r.status)).toEqual([503, 503, 200]);

    const once = await proxy((n) => (n < 1 ? { fail: 500 } : { forward: true }));
    const c2 = client({ baseUrl: once.url });
    const slate = await c2.api.POST('/v1/recommendations', { body: { events: [{ itemId: 'tea-1' }], n: 2 } });
    expect(slate.response.status).toBe(500); // a POST that is not ingestion may have acted: not sent again
    expect(once.requests).toHaveLength(1);
  });

  it('retries ingestion the server stored but whose answer was lost: the retry counts duplicates, nothing twice', async () => {
    const lossy = await proxy((n) => (n === 0 ? { forwardThenFail: 502 } : { forward: true }));
    const c = client({ baseUrl: lossy.url, batch: { maxEvents: 100 } });
    for (let i = 0; i < 4; i++) c.track({ id: `lost-${i}`, userId: 'lossy', itemId: 'tea-1', type: 'view' });
    const result = await c.flush();
    expect(result).toMatchObject({ accepted: 0, duplicates: 4, rejected: [], requests: 1 });
    expect(lossy.requests.map((r) => r.status)).toEqual([502, 200]);
    expect(await storedIds('lossy')).toEqual(['lost-0', 'lost-1', 'lost-2', 'lost-3']);
  });

  it('honours a Retry-After on a 503', async () => {
    const slow = await proxy((n) => (n === 0 ? { fail: 503, retryAfter: '1' } : { forward: true }));
    const c = client({ baseUrl: slow.url });
    const res = await c.api.GET('/healthz');
    expect(res.response.status).toBe(200);
    expect(slow.requests[1].at - slow.requests[0].at).toBeGreaterThanOrEqual(1000);
  });

  it('batches events: at most maxEvents per request, sent on size at once and the rest on the timer', async () => {
    const recorder = await proxy(() => ({ forward: true }));
    const c = client({ baseUrl: recorder.url, batch: { maxEvents: 3, flushIntervalMs: 300 } });
    const sizes = () =>
      recorder.requests.filter((r) => r.url === '/v1/events').map((r) => (JSON.parse(r.body) as { events: unknown[] }).events.length);
    for (let i = 0; i < 7; i++) c.track({ id: `b-${i}`, userId: 'batched', itemId: `tea-${i}`, type: 'view' });
    await new Promise((r) => setTimeout(r, 120));
    expect(sizes()).toEqual([3, 3]); // the size bound sent two full batches at once
    expect(c.pending).toBe(1);
    await new Promise((r) => setTimeout(r, 400));
    expect(sizes()).toEqual([3, 3, 1]); // the time bound sent the last one
    expect(c.pending).toBe(0);
    expect(await storedIds('batched')).toEqual(['b-0', 'b-1', 'b-2', 'b-3', 'b-4', 'b-5', 'b-6']);

    // flush and close send at once, ids and timestamps filled in.
    c.track({ userId: 'batched', itemId: 'tea-9', type: 'cart' });
    expect(await c.flush()).toMatchObject({ accepted: 1, requests: 1 });
    c.track({ userId: 'batched', itemId: 'tea-8', type: 'purchase' });
    expect(await c.close()).toMatchObject({ accepted: 1, requests: 1 });
    expect(() => c.track({ userId: 'batched', itemId: 'tea-8', type: 'view' })).toThrow(/closed/);
    expect(sizes()).toEqual([3, 3, 1, 1, 1]);
    expect(await storedIds('batched')).toHaveLength(9);
  });

  it('keeps a batch queued while the server refuses it, and sends it on the next flush', async () => {
    const down = await proxy((n) => (n < 3 ? { fail: 503 } : { forward: true }));
    const c = client({ baseUrl: down.url, retry: { maxRetries: 1, baseDelayMs: 5 }, batch: { maxEvents: 10, flushIntervalMs: 60_000 } });
    c.track({ id: 'kept-0', userId: 'kept', itemId: 'tea-1', type: 'view' });
    await expect(c.flush()).rejects.toThrow(/HTTP 503/);
    expect(c.pending).toBe(1);
    expect(await c.flush()).toMatchObject({ accepted: 1, requests: 1 });
    expect(await storedIds('kept')).toEqual(['kept-0']);
  });
});
