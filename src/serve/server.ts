import type { FastifyInstance } from 'fastify';
import { openCluster } from '../cluster/open-cluster.js';
import type { Config } from '../core/index.js';
import { steadyAllocator } from '../nn/index.js';
import { openStore } from '../store/index.js';
import { createApp, type CreateAppOptions } from './app.js';
import { assertAuthConfigured } from './auth.js';
import { startHeapCompaction } from './heap-compaction.js';

export interface RunningServer {
  app: FastifyInstance;
  /** Base URL, e.g. http://127.0.0.1:8080 (the real port when 0 was asked for). */
  url: string;
  /** Stops accepting requests, lets in-flight ones finish, then closes the store. */
  close(): Promise<void>;
}

export interface StartServerOptions {
  /** Close gracefully on SIGTERM/SIGINT; default true. */
  handleSignals?: boolean;
  routes?: CreateAppOptions['routes'];
}

/**
 * How often a serving process hands its allocator's free pages back: model swaps and request buffers
 * leave them behind. The trim runs on a libuv pool thread, not the request thread.
 */
const TRIM_INTERVAL_MS = 30_000;

/** Opens the configured store, listens on `server.host:server.port`, and shuts down cleanly on SIGTERM/SIGINT. */
export async function startServer(config: Config, options: StartServerOptions = {}): Promise<RunningServer> {
  assertAuthConfigured(config); // before opening anything, so a misconfiguration fails fast
  const allocator = steadyAllocator();
  const store = await openStore(config.store.url, { backgroundCheckpoints: true, backgroundWrites: true });
  // Opened before the app and closed after it: the runtime's last writes still reach the other nodes.
  // The bus and Redis report what they recover from; to the app's log once there is one.
  let warn = (message: string, error: unknown) => console.warn(`curio: ${message}:`, error ?? '');
  const cluster = await openCluster(config, (message, error) => warn(message, error)).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  let app: FastifyInstance;
  try {
    app = createApp({
      config,
      store,
      routes: options.routes,
      feed: cluster.feed,
      sharedPolicy: cluster.sharedPolicy,
      redis: cluster.redis,
    });
    const log = app.log;
    warn = (message, error) => log.warn({ err: error }, message);
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (error) {
    await cluster.close();
    await store.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;

  let trimRunning = false;
  const trimming = allocator
    ? setInterval(() => {
        if (trimRunning) return;
        trimRunning = true;
        allocator
          .trim()
          .catch((error: unknown) => app.log.warn({ err: error }, 'allocator trim failed'))
          .finally(() => (trimRunning = false));
      }, TRIM_INTERVAL_MS).unref()
    : null;
  const MB = 1024 * 1024;
  const stopCompaction = config.server.compactHeap
    ? startHeapCompaction(({ before, after, ms }) =>
        app.log.info(
          {
            ms: Math.round(ms),
            committedMb: [before.committedBytes, after.committedBytes].map((b) => Math.round(b / MB)),
            usedMb: Math.round(after.usedBytes / MB),
          },
          'compacted the old generation',
        ),
      )
    : null;
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      if (trimming) clearInterval(trimming);
      stopCompaction?.();
      // The store closes after every onClose hook (Fastify runs them last-registered first), so the
      // runtime's buffered impressions are written before it goes.
      try {
        await app.close();
      } finally {
        await cluster.close().catch((error: unknown) => app.log.warn({ err: error }, 'closing the cluster connections failed'));
        await store.close();
      }
    })();
    return closing;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    app.log.info({ signal }, 'shutting down');
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  if (options.handleSignals ?? true) {
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return { app, url: `http://${host}:${port}`, close };
}
