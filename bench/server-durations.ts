/**
 * The server's own view of a load run: `curio_http_request_duration_seconds` (Fastify's elapsed time from the
 * request's arrival in Node to its response's end) for one route, read from /metrics before and after the run.
 * Set beside the load generator's latencies, it tells a tail spent handling requests from one spent outside
 * them (the socket, the kernel, the generator).
 */

/** Cumulative bucket counts of one route's successful requests: upper bound (seconds) → count. */
export type Buckets = Map<number, number>;

const LINE = /^curio_http_request_duration_seconds_bucket\{([^}]*)\} ([0-9.e+-]+)$/;

/** The route's cumulative buckets, summed over methods, from a Prometheus text exposition. */
export function routeBuckets(text: string, route: string): Buckets {
  const buckets: Buckets = new Map();
  for (const line of text.split('\n')) {
    const match = LINE.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...match[1].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (labels.route !== route || labels.status !== '200') continue;
    const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + Number(match[2]));
  }
  return buckets;
}

export interface ServerSide {
  requests: number;
  /** Share of the run's requests the server took longer than 10 ms to handle. */
  over10msShare: number;
  /** The upper bound of the bucket holding the 99th percentile (ms; null when the run had no requests). */
  p99AtMostMs: number | null;
}

/** What the server saw between two readings of the same route's buckets. */
export function serverSide(before: Buckets, after: Buckets): ServerSide {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const delta = bounds.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const requests = delta.at(-1) ?? 0;
  if (requests === 0) return { requests: 0, over10msShare: 0, p99AtMostMs: null };
  const at10 = delta[bounds.indexOf(0.01)] ?? 0;
  const p99 = bounds.find((_, i) => delta[i] >= 0.99 * requests) ?? Infinity;
  return { requests, over10msShare: (requests - at10) / requests, p99AtMostMs: p99 * 1000 };
}

/** The process's CPU time (user + system, seconds) from prom-client's `process_cpu_seconds_total`. */
export function processCpuSeconds(text: string): number {
  return Number(/^process_cpu_seconds_total ([0-9.e+-]+)$/m.exec(text)?.[1] ?? Number.NaN);
}
