import { CurioError, type Config } from '../core/index.js';
import { LocalChangeFeed } from '../store/index.js';
import { NatsChangeFeed } from './nats-change-feed.js';

/**
 * The change feed `cluster.bus` names: the in-process feed for 'local', a JetStream stream shared by every
 * node for nats:// URLs (comma-separated: the servers of one NATS cluster). `warn` hears what the bus
 * recovers from by itself. The NATS feed is the caller's to `close()` on shutdown (it sends what it still holds).
 */
export async function openChangeFeed(
  config: Pick<Config, 'cluster'>,
  warn?: (message: string, error: unknown) => void,
): Promise<LocalChangeFeed | NatsChangeFeed> {
  const { bus, nodeId, stream } = config.cluster;
  if (bus === 'local') return new LocalChangeFeed();
  const servers = bus.split(',').map((url) => url.trim());
  if (servers.some((url) => !url.startsWith('nats://'))) {
    throw new CurioError('BAD_INPUT', `cluster.bus must be 'local' or nats:// URLs, not ${JSON.stringify(bus)}`, {
      problems: [{ path: 'cluster.bus', message: "the bus is 'local' or nats:// URLs (comma-separated)" }],
    });
  }
  return await NatsChangeFeed.connect({ servers, nodeId, stream, warn });
}
