// Real `curio serve` processes joined into a cluster (one store, a NATS bus, a Redis), and the small HTTP
// and polling helpers the multi-process tests share.
import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { openStore } from '../../src/store/index.js';
import { CRASH_KEY, startServer, type Server } from './crash-harness.js';
import { shopEvents, shopItems } from './recommend-shop.js';

export interface Slot {
  itemId: string;
  position: number;
  reason?: string;
}

/** The fields of the answers the cluster tests read. */
export interface Body {
  recommendationId?: string;
  items?: Slot[];
  personalized?: boolean;
  accepted?: number;
  policy?: { state: { items: Record<string, [number, number]> } };
}

export async function call(node: Server, method: string, path: string, body?: unknown): Promise<{ status: number; json: Body }> {
  const res = await fetch(`${node.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${CRASH_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Body };
}

/** Polls `read` until `check` holds; resolves with the milliseconds it took, fails after `ms`. */
export async function within<T>(ms: number, read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<number> {
  const start = performance.now();
  let last: T | undefined;
  while (performance.now() - start < ms) {
    last = await read();
    if (check(last)) return performance.now() - start;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`not within ${ms} ms: ${what}; last read ${JSON.stringify(last)?.slice(0, 400)}`);
}

/** Fills a store with the recommendation tests' small shop (40 items, 40 shoppers). */
export async function seedShop(url: string): Promise<void> {
  const seed = await openStore(url);
  try {
    await seed.upsertItems(shopItems());
    await seed.appendEvents(shopEvents());
  } finally {
    await seed.close();
  }
}

export interface ClusterWiring {
  storeUrl: string;
  natsUrl: string;
  redisUrl: string;
  /** The bus's stream, unique to the test. */
  stream: string;
  /** Redis key prefix, unique to the test. */
  redisPrefix: string;
}

export function uniqueStream(): string {
  return `CURIO_TEST_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

/** Starts `count` serving nodes (thompson policy, no periodic refresh: only the bus carries changes). */
export async function startNodes(
  wiring: ClusterWiring,
  count = 2,
  env: Record<string, string> = {},
  nodeFlags: string[] = [],
): Promise<Server[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      startServer('', {
        timeoutMs: 60_000,
        nodeFlags,
        env: {
          CURIO_STORE_URL: wiring.storeUrl,
          CURIO_BUS: wiring.natsUrl,
          CURIO_BUS_STREAM: wiring.stream,
          CURIO_REDIS: wiring.redisUrl,
          CURIO_REDIS_PREFIX: wiring.redisPrefix,
          CURIO_NODE_ID: `node-${String.fromCharCode(97 + i)}`,
          CURIO_SERVING_POLICY: 'thompson',
          CURIO_SERVING_SEED: '7',
          CURIO_SERVING_REFRESH_SECONDS: '0',
          CURIO_SERVING_USER_CACHE_SECONDS: '3600',
          // The tests' shops have a few shoppers per item pair: fewer than k-anonymity's default group.
          CURIO_MIN_GROUP_SIZE: '1',
          ...env,
        },
      }),
    ),
  );
}

/** Deletes the test's stream from a NATS server (quietly: the server may be gone). */
export async function deleteStream(natsUrl: string, stream: string): Promise<void> {
  const nc = await connect({ servers: natsUrl, reconnect: false }).catch(() => null);
  if (!nc) return;
  await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
  await nc.close();
}
