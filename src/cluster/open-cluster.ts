import { Redis } from 'ioredis';
import { CurioError, type Config } from '../core/index.js';
import type { ChangeFeed } from '../store/index.js';
import { openChangeFeed } from './open-feed.js';
import { RedisPolicyLog } from './redis-policy-log.js';

/** What a serving process shares with the other nodes, as `createApp` takes it; the holder closes it after the app. */
export interface ClusterParts {
  feed: ChangeFeed;
  sharedPolicy?: RedisPolicyLog;
  redis?: Redis;
  close(): Promise<void>;
}

/**
 * Opens what `config.cluster` names: the change feed (in-process, or NATS JetStream), and with `cluster.redis`
 * the shared policy log and a client for the rate limits. Fails fast, closing what it opened, when a part is
 * unreachable at start: a node that silently ran alone would serve a policy the others never see.
 */
export async function openCluster(config: Config, warn: (message: string, error: unknown) => void): Promise<ClusterParts> {
  const feed = await openChangeFeed(config, warn);
  const closeFeed = async () => {
    if ('close' in feed) await feed.close();
  };
  const url = config.cluster.redis;
  if (url === null) return { feed, close: closeFeed };

  const prefix = config.cluster.redisPrefix;
  const sharedPolicy = new RedisPolicyLog({ url, prefix, warn });
  // Rate limits go on when Redis is away (skipOnError), so this client must not queue commands while offline.
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined); // reconnects by itself; the rate limiter and the policy log report what they miss
  try {
    await Promise.all([sharedPolicy.connect(), redis.connect()]);
  } catch (cause) {
    redis.disconnect();
    await sharedPolicy.close().catch(() => undefined);
    await closeFeed();
    throw new CurioError('UNAVAILABLE', `cannot connect to Redis at ${url}: ${(cause as Error).message}`, { cause });
  }
  return {
    feed,
    sharedPolicy,
    redis,
    close: async () => {
      await sharedPolicy.close();
      redis.disconnect();
      await closeFeed();
    },
  };
}
