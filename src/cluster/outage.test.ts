// Redis and NATS restarted under load, each on a private server of its own: the two serving nodes answer
// every request meanwhile (from local state; never a 5xx), reconnect by themselves, and share again after.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killStarted, stopServer, type Server } from '../../test/support/crash-harness.js';
import { call, seedShop, startNodes, uniqueStream, within } from '../../test/support/cluster-nodes.js';
import { clusterStoreUrl, type ClusterStore } from '../../test/support/cluster-store.js';
import { startNatsServer, stopAllNatsServers, type NatsServer } from '../../test/support/nats-server.js';
import { startRedisServer, stopAllRedisServers, type RedisServer } from '../../test/support/redis-server.js';
import { itemId } from '../../test/support/recommend-shop.js';

/** How long a service stays down while the load goes on. */
const DOWN_MS = 2000;
/** How soon after a service is back the nodes share again. */
const RECOVERY_MS = 10_000;

interface Load {
  statuses: Map<number, number>;
  requests: number;
  stop(): Promise<void>;
}

/** Recommendations and event batches to both nodes in turn, four at a time, until stopped. */
function startLoad(nodes: Server[]): Load {
  const statuses = new Map<number, number>();
  let stopped = false;
  let n = 0;
  const load: Load = { statuses, requests: 0, stop: async () => undefined };
  const loop = async (lane: number) => {
    while (!stopped) {
      const i = n++;
      const node = nodes[i % nodes.length];
      const user = `s${i % 40}`;
      const res =
        i % 3 === 0
          ? await call(node, 'POST', '/v1/events', {
              events: [
                { id: `load-${lane}-${i}`, userId: user, itemId: itemId(i % 4, i % 10), type: 'view', timestamp: new Date().toISOString() },
              ],
            }).catch(() => ({ status: 0 }))
          : await call(node, 'GET', `/v1/users/${user}/recommendations?n=5`).catch(() => ({ status: 0 }));
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      load.requests++;
    }
  };
  const lanes = Promise.all([0, 1, 2, 3].map(loop));
  load.stop = async () => {
    stopped = true;
    await lanes;
  };
  return load;
}

describe('Redis and NATS restarted under load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'curio-outage-'));
  let store: ClusterStore;
  let nats: NatsServer;
  let redis: RedisServer;
  let nodes: Server[] = [];

  beforeAll(async () => {
    store = await clusterStoreUrl(dir);
    await seedShop(store.url);
    [nats, redis] = await Promise.all([startNatsServer(), startRedisServer()]);
    nodes = await startNodes({
      storeUrl: store.url,
      natsUrl: nats.url,
      redisUrl: redis.url,
      stream: uniqueStream(),
      redisPrefix: 'curio:',
    });
  }, 90_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => stopServer(n)));
    await killStarted();
    await Promise.all([nats?.dispose(), redis?.stop()]);
    await Promise.all([stopAllNatsServers(), stopAllRedisServers()]);
    await store?.drop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('serves without a 5xx while each is down, and shares events and policy updates again once it is back', async () => {
    const [a, b] = nodes;
    const load = startLoad(nodes);
    try {
      await new Promise((r) => setTimeout(r, 500));
      await redis.stop();
      await new Promise((r) => setTimeout(r, DOWN_MS));
      await redis.start();
      await new Promise((r) => setTimeout(r, 500));
      await nats.stop();
      await new Promise((r) => setTimeout(r, DOWN_MS));
      await nats.start();
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await load.stop();
    }
    const fiveHundreds = [...load.statuses].filter(([status]) => status >= 500 || status === 0);
    expect(fiveHundreds).toEqual([]);
    expect(load.requests).toBeGreaterThan(100);

    // The bus again: purchases through A make an item B's most trending.
    const rare = itemId(3, 9);
    const t = Date.now();
    const events = Array.from({ length: 40 }, (_, i) => ({
      id: `after-${i}`,
      userId: `late-${i}`,
      itemId: rare,
      type: 'purchase',
      timestamp: new Date(t - i).toISOString(),
    }));
    expect((await call(a, 'POST', '/v1/events', { events })).json.accepted).toBe(40);
    await within(
      RECOVERY_MS,
      () => call(b, 'GET', '/v1/trending?n=3'),
      (res) => res.json.items?.[0]?.itemId === rare,
      `${rare} trending on node B`,
    );

    // Redis again: a click on A turns B's counted impression into a reward on both nodes.
    const slate = (await call(b, 'GET', '/v1/users/s12/recommendations?n=4&explore=1')).json;
    const shown = slate.items![1];
    const arm = async (node: Server) => (await call(node, 'GET', '/v1/recommendations/status')).json.policy?.state.items[shown.itemId];
    const before = await Promise.all([arm(a), arm(b)]);
    const click = {
      id: `click-after-${t}`,
      userId: 's12',
      itemId: shown.itemId,
      type: 'click',
      timestamp: new Date().toISOString(),
      context: { recommendationId: slate.recommendationId, position: shown.position },
    };
    expect((await call(a, 'POST', '/v1/events', { events: [click] })).status).toBe(200);
    for (const [k, node] of [a, b].entries()) {
      const [s, f] = before[k] ?? [0, 0];
      await within(
        RECOVERY_MS,
        () => arm(node),
        (now) => now?.[0] === s + 1,
        `the reward for ${shown.itemId} on node ${k} (was ${s}/${f})`,
      );
    }
  }, 120_000);
});
