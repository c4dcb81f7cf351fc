import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { TEST_REDIS_URL } from '../../test/support/redis.js';

const opened: TestApp[] = [];
const clients: Redis[] = [];
afterAll(async () => {
  await Promise.all(opened.map((t) => t.close()));
  for (const c of clients) c.disconnect();
});

async function node(redis: Redis | undefined): Promise<TestApp> {
  const t = await createTestApp({ overrides: { 'server.rateLimitPerSecond': 4 }, cluster: { redis } });
  opened.push(t);
  return t;
}

describe('per-key rate limits in a cluster (real Redis)', () => {
  it('counts a key once across nodes, and lets requests through while Redis is away', async () => {
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    clients.push(redis);
    const [a, b] = [await node(redis), await node(redis)];
    const ask = (t: TestApp) => t.call(null, { method: 'GET', url: '/v1/trending', headers: { 'x-api-key': 'read-key-0123456789ab' } });
    const statuses: number[] = [];
    for (const t of [a, b, a, b, a, b]) statuses.push((await ask(t)).statusCode);
    // Four requests per second for the key, wherever they land: the fifth and sixth are refused.
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);

    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    down.on('error', () => undefined);
    clients.push(down);
    const c = await node(down);
    expect((await ask(c)).statusCode).toBe(200);
  });
});
