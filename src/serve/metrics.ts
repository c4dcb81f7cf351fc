import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/index.js';

/** The server's Prometheus metrics, in a registry of its own so several apps (tests) never collide. */
export interface ServerMetrics {
  readonly registry: Registry;
  /** Counts the outcome of one ingested batch. */
  countEvents(result: { accepted: number; duplicates: number; rejected: number }): void;
}

export interface MetricsOptions {
  store: Store;
  /** Node process metrics (memory, event-loop lag, GC); off in tests to keep timers away. */
  processMetrics?: boolean;
}

/** Creates the registry: HTTP requests and latency by route and status, ingest outcomes, store row counts. */
export function createMetrics(options: MetricsOptions): ServerMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const events = new Counter({
    name: 'curio_events_ingested_total',
    help: 'Events received over HTTP, by outcome (accepted, duplicate, rejected)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const store = options.store;
  new Gauge({
    name: 'curio_store_rows',
    help: 'Rows in the store, by kind (items, users, events)',
    labelNames: ['kind'] as const,
    registers: [registry],
    // Counted at scrape time: exact, and costs nothing between scrapes.
    async collect() {
      const counts = await store.counts();
      for (const [kind, n] of Object.entries(counts)) this.set({ kind }, n);
    },
  });
  return {
    registry,
    countEvents(result) {
      events.inc({ outcome: 'accepted' }, result.accepted);
      events.inc({ outcome: 'duplicate' }, result.duplicates);
      events.inc({ outcome: 'rejected' }, result.rejected);
    },
  };
}

/** Times every request and counts it by method, route template (not raw URL, which would explode labels) and status. */
export function installRequestMetrics(app: FastifyInstance, metrics: ServerMetrics): void {
  const requests = new Counter({
    name: 'curio_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [metrics.registry],
  });
  const latency = new Histogram({
    name: 'curio_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [metrics.registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    requests.inc(labels);
    latency.observe(labels, reply.elapsedTime / 1000);
  });
}
