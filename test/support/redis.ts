import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis the tests use: CURIO_TEST_REDIS_URL, else the machine's own on 127.0.0.1:6379 (CI starts it). */
export const TEST_REDIS_URL = process.env.CURIO_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test run uses, so tests share one Redis without seeing each other's keys. */
export function uniquePrefix(): string {
  return `curio-test:${randomUUID()}:`;
}

/** Deletes every key under `prefix`; fails with a clear message when Redis is not reachable. */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect().catch((error: unknown) => {
      throw new Error(`Redis is not reachable at ${TEST_REDIS_URL} (set CURIO_TEST_REDIS_URL; .ci/run starts it): ${String(error)}`);
    });
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
