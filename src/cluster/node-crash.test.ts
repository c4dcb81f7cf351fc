// An API node killed with SIGKILL during sustained ingest through two nodes: every batch a node
// acknowledged is stored, nothing is stored twice, and the batches the dead node never answered, sent again
// to the other node (a load balancer's retry), are taken whole or recognised as stored.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/index.js';
import { alive, BATCH_EVENTS, eventBatch, killStarted, postEvents, stopServer, type Server } from '../../test/support/crash-harness.js';
import { deleteStream, seedShop, startNodes, uniqueStream } from '../../test/support/cluster-nodes.js';
import { clusterStoreUrl, type ClusterStore } from '../../test/support/cluster-store.js';
import { dropPrefix, TEST_REDIS_URL, uniquePrefix } from '../../test/support/redis.js';
import { TEST_NATS_URL } from '../../test/support/nats-server.js';

describe('an API node killed during ingest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'curio-node-crash-'));
  const stream = uniqueStream();
  const prefix = uniquePrefix();
  let store: ClusterStore;
  let nodes: Server[] = [];

  beforeAll(async () => {
    store = await clusterStoreUrl(dir);
    await seedShop(store.url);
    nodes = await startNodes({ storeUrl: store.url, natsUrl: TEST_NATS_URL, redisUrl: TEST_REDIS_URL, stream, redisPrefix: prefix });
  }, 90_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => stopServer(n)));
    await killStarted();
    await deleteStream(TEST_NATS_URL, stream);
    await dropPrefix(prefix);
    await store?.drop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('loses no acknowledged event and stores none twice', async () => {
    const [a, b] = nodes;
    const acked = new Set<number>();
    const unanswered: number[] = [];
    let next = 0;
    let killed = false;
    let inFlightAtKill = 0;
    let inFlight = 0;
    // Two lanes per node, each sending its next batch when the last is answered.
    const lane = async (node: Server, stopAt: () => boolean) => {
      while (!stopAt()) {
        const n = next++;
        inFlight++;
        try {
          await postEvents(node.url, eventBatch(n, 'k'));
          acked.add(n);
        } catch {
          unanswered.push(n);
          if (node === a) return; // A is gone: this lane stops
        } finally {
          inFlight--;
        }
      }
    };
    const until = (ms: number) => {
      const end = Date.now() + ms;
      return () => Date.now() > end;
    };
    const lanes = [lane(a, until(20_000)), lane(a, until(20_000)), lane(b, until(4000)), lane(b, until(4000))];
    await new Promise((r) => setTimeout(r, 1500));
    inFlightAtKill = inFlight;
    process.kill(a.pid, 'SIGKILL');
    killed = true;
    await Promise.all(lanes);
    expect(killed && !alive(a.pid)).toBe(true);
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(unanswered.length).toBeGreaterThan(0);

    // The load balancer's retry: what A never answered goes to B; each batch is all new or all known.
    for (const n of unanswered) {
      const { accepted, duplicates } = await postEvents(b.url, eventBatch(n, 'k'));
      expect(accepted + duplicates).toBe(BATCH_EVENTS);
      expect([0, BATCH_EVENTS]).toContain(accepted);
      acked.add(n);
    }

    const reader = await openStore(store.url);
    try {
      const stored = new Map<string, number>();
      for await (const e of reader.scanEvents({ batchSize: 5000 })) if (e.id.startsWith('k')) stored.set(e.id, (stored.get(e.id) ?? 0) + 1);
      const expected = [...acked].flatMap((n) => eventBatch(n, 'k').map((e) => e.id as string));
      expect(expected.filter((id) => !stored.has(id))).toEqual([]);
      expect([...stored.values()].filter((count) => count > 1)).toEqual([]);
      expect(stored.size).toBe(expected.length);
    } finally {
      await reader.close();
    }
  }, 120_000);
});
