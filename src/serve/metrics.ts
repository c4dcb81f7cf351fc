import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { histogramQuantile } from '../core/histogram-quantile.js';
import type { Store } from '../store/index.js';

export { histogramQuantile };

/** The server's Prometheus metrics, in a registry of its own so several apps (tests) never collide. */
export interface ServerMetrics {
  readonly registry: Registry;
  /** Counts the outcome of one ingested batch. */
  countEvents(result: { accepted: number; duplicates: number; rejected: number }): void;
  /** Times one slate served in an experiment arm. */
  observeArm(experiment: string, arm: string, seconds: number): void;
  /** Requests and p99 serving time of each arm of an experiment on this node since it started. */
  armLatency(experiment: string): Promise<Record<string, { requests: number; p99Ms: number | null }>>;
}

/**
 * Log-spaced from 0.25 ms to ~5 s, 25% apart: an experiment's latency guardrail compares arms whose p99s
 * may differ by a millisecond, finer than the request histogram's buckets resolve.
 */
const ARM_BUCKETS = Array.from({ length: 45 }, (_, k) => 0.00025 * 1.25 ** k);

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
  const armLatency = new Histogram({
    name: 'curio_experiment_slate_duration_seconds',
    help: 'Time to serve a slate in an experiment arm, by experiment and arm',
    labelNames: ['experiment', 'arm'] as const,
    buckets: ARM_BUCKETS,
    registers: [registry],
  });
  return {
    registry,
    observeArm(experiment, arm, seconds) {
      armLatency.observe({ experiment, arm }, seconds);
    },
    async armLatency(experiment) {
      const byArm = new Map<string, Array<{ le: number; count: number }>>();
      for (const v of (await armLatency.get()).values) {
        if (v.labels.experiment !== experiment || v.metricName !== 'curio_experiment_slate_duration_seconds_bucket') continue;
        const arm = String(v.labels.arm);
        // Bucket rows carry `le`, which the histogram's own label type does not name.
        const bound = (v.labels as Record<string, string | number | undefined>).le;
        const le = bound === '+Inf' ? Infinity : Number(bound);
        byArm.set(arm, [...(byArm.get(arm) ?? []), { le, count: v.value }]);
      }
      return Object.fromEntries(
        [...byArm].map(([arm, buckets]) => {
          const p99 = histogramQuantile(buckets, 0.99);
          return [arm, { requests: buckets.at(-1)?.count ?? 0, p99Ms: p99 === null ? null : p99 * 1000 }];
        }),
      );
    },
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
