// Consent on two `curio serve` nodes over one PostgreSQL store, the real NATS bus and Redis: a withdrawal made
// through node A holds at node B's very next request (B has the user cached), and withdrawing tracking with
// the history erased reaches B's caches while the refusal stays on record for both. The servers are the
// compiled CLI, as an operator starts them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/index.js';
import { killStarted, stopServer, type Server } from '../../test/support/crash-harness.js';
import { call, deleteStream, seedShop, startNodes, uniqueStream, within } from '../../test/support/cluster-nodes.js';
import { dropPrefix, TEST_REDIS_URL, uniquePrefix } from '../../test/support/redis.js';
import { TEST_NATS_URL } from '../../test/support/nats-server.js';
import { itemId } from '../../test/support/recommend-shop.js';
import { clusterStoreUrl, type ClusterStore } from '../../test/support/cluster-store.js';

/** Longer than the nodes' impression flush interval (50 ms): a slate that was going to be written has been. */
const FLUSHED_MS = 400;

const slateOf = async (node: Server, user: string) => {
  const res = await call(node, 'GET', `/v1/users/${user}/recommendations?n=4`);
  expect(res.status).toBe(200);
  return res.json as { mode?: string; recommendationId?: string };
};

describe('consent on two serving nodes', () => {
  const stream = uniqueStream();
  const prefix = uniquePrefix();
  let cluster: ClusterStore;
  let store: Store;
  let a: Server;
  let b: Server;

  beforeAll(async () => {
    cluster = await clusterStoreUrl();
    await seedShop(cluster.url);
    store = await openStore(cluster.url);
    [a, b] = await startNodes({ storeUrl: cluster.url, natsUrl: TEST_NATS_URL, redisUrl: TEST_REDIS_URL, stream, redisPrefix: prefix });
  }, 90_000);

  afterAll(async () => {
    await Promise.all([a, b].filter(Boolean).map((n) => stopServer(n)));
    await killStarted();
    await store?.close();
    await deleteStream(TEST_NATS_URL, stream);
    await dropPrefix(prefix);
    await cluster?.drop();
  }, 30_000);

  it("a withdrawal on node A holds at node B's next request: nothing logged, nothing personal", async () => {
    // B reads s5 (consent included) and caches them for an hour; its slate is written.
    expect((await slateOf(b, 's5')).mode).toBe('personalized');
    await within(
      2000,
      () => store.userDecisions('s5'),
      (d) => d.length === 1,
      "B's slate for s5 written",
    );

    const put = await call(a, 'PUT', '/v1/users/s5', { consent: { tracking: false, personalization: false } });
    expect(put.status).toBe(200);
    // No wait for the bus: B's very next request.
    expect((await slateOf(b, 's5')).mode).toBe('non-personalized');
    await slateOf(a, 's5');
    await slateOf(b, 's5');
    const events = [{ id: 's5-after', userId: 's5', itemId: itemId(1, 2), type: 'view', timestamp: new Date().toISOString() }];
    expect((await call(b, 'POST', '/v1/events', { events })).json.accepted).toBe(0);
    await new Promise((r) => setTimeout(r, FLUSHED_MS));
    expect(await store.userDecisions('s5')).toHaveLength(1);
    expect((await store.userEvents('s5')).some((e) => e.id === 's5-after' || e.type === 'impression')).toBe(false);
  });

  it('a withdrawal the bus never carried (written while NATS was out) holds at both nodes’ next request', async () => {
    // Here the bus is usually faster than the next request; a change stored but not published makes the point without a race.
    for (const node of [a, b]) expect((await slateOf(node, 's7')).mode).toBe('personalized');
    await within(
      2000,
      () => store.userDecisions('s7'),
      (d) => d.length === 2,
      'both slates for s7 written',
    );
    await store.upsertUser({ id: 's7', consent: { tracking: false, personalization: false } });
    for (const node of [a, b]) expect((await slateOf(node, 's7')).mode).toBe('non-personalized');
    await new Promise((r) => setTimeout(r, FLUSHED_MS));
    expect(await store.userDecisions('s7')).toHaveLength(2);
  });

  it("withdrawing with the history erased on node A empties node B's caches; both keep the refusal", async () => {
    expect((await slateOf(b, 's6')).mode).toBe('personalized');
    const res = await call(a, 'DELETE', '/v1/users/s6/history');
    expect(res.status).toBe(200);
    expect(await store.userEvents('s6')).toEqual([]);
    // B's cached history of s6 goes as the erasure reaches it on the bus; its slates are no longer personal.
    await within(
      1000,
      () => slateOf(b, 's6'),
      (s) => s.mode === 'cold-start',
      "node B's slate for s6 without their history",
    );
    for (const node of [a, b]) {
      const user = await call(node, 'GET', '/v1/users/s6');
      expect(user.json).toMatchObject({ consent: { tracking: false, personalization: true } });
    }
    await new Promise((r) => setTimeout(r, FLUSHED_MS));
    expect(await store.userDecisions('s6')).toEqual([]);
  });
});
