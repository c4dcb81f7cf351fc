// Two `curio serve` processes over one store, the real NATS bus and the real Redis: what one node learns
// reaches the other's serving state within a second (catalogue, events, erasure, the policy), with no
// refresh and no master. The servers are the compiled CLI, as an operator starts them.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killStarted, stopServer, type Server } from '../../test/support/crash-harness.js';
import { call, deleteStream, seedShop, startNodes, uniqueStream, within, type Slot } from '../../test/support/cluster-nodes.js';
import { dropPrefix, TEST_REDIS_URL, uniquePrefix } from '../../test/support/redis.js';
import { TEST_NATS_URL } from '../../test/support/nats-server.js';
import { itemId } from '../../test/support/recommend-shop.js';
import { clusterStoreUrl, type ClusterStore } from '../../test/support/cluster-store.js';

/** How soon a change made on one node must show on the other. */
const PROPAGATION_MS = 1000;

interface Slate {
  recommendationId: string;
  items: Slot[];
}

/** How many of these keys Redis holds. */
async function redisKeys(...keys: string[]): Promise<number> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    return await redis.exists(...keys);
  } finally {
    redis.disconnect();
  }
}

const slateOf = async (node: Server, user: string, query = '?n=5&explore=0'): Promise<Slate> => {
  const res = await call(node, 'GET', `/v1/users/${user}/recommendations${query}`);
  expect(res.status).toBe(200);
  return res.json as Slate;
};

describe('two serving nodes on one store, NATS and Redis', () => {
  const stream = uniqueStream();
  const prefix = uniquePrefix();
  const dir = mkdtempSync(join(tmpdir(), 'curio-cluster-'));
  let store: ClusterStore;
  let a: Server;
  let b: Server;

  beforeAll(async () => {
    store = await clusterStoreUrl(dir);
    await seedShop(store.url);
    [a, b] = await startNodes({ storeUrl: store.url, natsUrl: TEST_NATS_URL, redisUrl: TEST_REDIS_URL, stream, redisPrefix: prefix });
  }, 90_000);

  afterAll(async () => {
    await Promise.all([a, b].filter(Boolean).map((n) => stopServer(n)));
    await killStarted();
    await deleteStream(TEST_NATS_URL, stream);
    await dropPrefix(prefix);
    await store?.drop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('an item deleted on one node leaves the other node lists within a second', async () => {
    // Similar items come from co-visitation: tea-5's include its neighbours tea-4 and tea-6 on every node.
    const similar = async () => ((await call(b, 'GET', '/v1/items/tea-5/similar?n=5')).json.items ?? []).map((i) => i.itemId);
    expect(await similar()).toContain('tea-6');
    expect((await call(a, 'DELETE', '/v1/items/tea-6')).status).toBe(200);
    await within(PROPAGATION_MS, similar, (list) => !list.includes('tea-6') && list.includes('tea-4'), 'tea-6 gone from node B');
  });

  it("an event sent to one node changes the other node's next slate for that user within a second", async () => {
    // s0 walks through Tea; B reads its history once and caches it.
    const before = await slateOf(b, 's0');
    expect(before.items.some((i) => i.reason?.includes('Books 3'))).toBe(false);
    const t = Date.now();
    const events = ['view', 'cart'].map((type, i) => ({
      id: `s0-books-${i}`,
      userId: 's0',
      itemId: itemId(2, 3),
      type,
      timestamp: new Date(t + i).toISOString(),
    }));
    expect((await call(a, 'POST', '/v1/events', { events })).json.accepted).toBe(2);
    await within(
      PROPAGATION_MS,
      () => slateOf(b, 's0'),
      (slate) => slate.items.some((i) => i.reason?.includes('Books 3')),
      "node B's slate for s0 following the Books 3 added on node A",
    );
  });

  it('events stored through one node move the other node trending list within a second', async () => {
    const rare = itemId(2, 9);
    const t = Date.now();
    const events = Array.from({ length: 30 }, (_, i) => ({
      id: `trend-${i}`,
      userId: `buyer-${i}`,
      itemId: rare,
      type: 'purchase',
      timestamp: new Date(t - i).toISOString(),
    }));
    expect((await call(a, 'POST', '/v1/events', { events })).json.accepted).toBe(30);
    await within(
      PROPAGATION_MS,
      () => call(b, 'GET', '/v1/trending?n=3'),
      (res) => res.json.items?.[0]?.itemId === rare,
      `${rare} at the top of node B trending`,
    );
  });

  it('erasure on one node clears the user from the other node caches, the bus and Redis, with a receipt', async () => {
    // s5 has a history (a Coffee walk): B reads it once and keeps it in its cache.
    const personal = (await call(b, 'GET', '/v1/users/s5/recommendations?n=5')).json;
    expect(personal).toMatchObject({ personalized: true });
    // B's slate went over the bus (slates-served, naming s5) and its impressions into Redis's slot flags.
    await within(
      PROPAGATION_MS,
      () => redisKeys(`${prefix}fb:${personal.recommendationId}`),
      (n) => n === 1,
      'the slate in Redis',
    );
    const erased = await call(a, 'DELETE', '/v1/users/s5');
    expect(erased.status).toBe(200);
    const receipt = (await call(b, 'GET', `/v1/admin/erasures/${(erased.json as { erasureId: string }).erasureId}`)).json as {
      targets: Record<string, { state: string; removed?: number }>;
    };
    expect(receipt.targets.redis).toMatchObject({ state: 'done', removed: 1 });
    expect(await redisKeys(`${prefix}fb:${personal.recommendationId}`)).toBe(0);
    await within(
      PROPAGATION_MS * 3,
      async () => (await call(b, 'GET', `/v1/admin/erasures/${(erased.json as { erasureId: string }).erasureId}`)).json,
      (r) => (r as typeof receipt).targets.eventBus.state === 'pending' && ((r as typeof receipt).targets.eventBus.removed ?? 0) >= 1,
      "s5's slate erased from the stream, the notice kept for now",
    );
    // Once erased, B knows nothing of s5: a cold-start slate, as for a stranger.
    await within(
      PROPAGATION_MS,
      async () => (await call(b, 'GET', '/v1/users/s5/recommendations?n=5')).json,
      (slate) => slate.personalized === false,
      'node B serving s5 as a stranger',
    );
  });

  it('a click on one node updates the policy both nodes serve from, once', async () => {
    const arm = async (node: Server) => (await call(node, 'GET', '/v1/recommendations/status')).json.policy?.state.items ?? {};
    const counted = await arm(b);
    const slate = await slateOf(b, 's10', '?n=4&explore=1');
    const shown = slate.items[1];
    // B logs the slate's impressions (buffered, then stored); through the shared log both nodes count one more failure.
    const [successes, failures] = counted[shown.itemId] ?? [0, 0];
    const impressed = [successes, failures + 1].join();
    await within(
      PROPAGATION_MS * 3,
      async () => [(await arm(a))[shown.itemId]?.join(), (await arm(b))[shown.itemId]?.join()],
      ([onA, onB]) => onA === impressed && onB === impressed,
      `the impression of ${shown.itemId} counted on both nodes`,
    );
    const context = { recommendationId: slate.recommendationId, position: shown.position };
    const click = {
      id: `click-${randomUUID()}`,
      userId: 's10',
      itemId: shown.itemId,
      type: 'click',
      timestamp: new Date().toISOString(),
      context,
    };
    // The same click sent to both nodes (a client retrying elsewhere) counts once: the failure becomes a success.
    expect((await call(a, 'POST', '/v1/events', { events: [click] })).status).toBe(200);
    expect((await call(b, 'POST', '/v1/events', { events: [click] })).status).toBe(200);
    const expected = [successes + 1, failures];
    for (const node of [a, b]) {
      await within(
        PROPAGATION_MS,
        async () => (await arm(node))[shown.itemId],
        (s) => s?.join() === expected.join(),
        `${expected} for ${shown.itemId} on ${node.url}`,
      );
    }
  });
});
