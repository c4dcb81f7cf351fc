// Reads the few series the overview shows out of /metrics (Prometheus text format 0.0.4).

import { histogramQuantile } from '../../../src/core/histogram-quantile';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample of the exposition, comments skipped. */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]] = l[2].replace(/\\(.)/g, '$1');
    out.push({ name: m[1], labels, value: m[3] === '+Inf' ? Infinity : Number(m[3]) });
  }
  return out;
}

/** HTTP totals of one scrape: requests, the latency histogram summed over routes, and store row counts. */
export interface HttpSnapshot {
  at: number;
  requests: number;
  buckets: Array<{ le: number; count: number }>;
  latencySum: number;
}

export function httpSnapshot(samples: Sample[], at: number): HttpSnapshot {
  const byLe = new Map<number, number>();
  let requests = 0;
  let latencySum = 0;
  for (const s of samples) {
    if (s.name === 'curio_http_requests_total') requests += s.value;
    if (s.name === 'curio_http_request_duration_seconds_sum') latencySum += s.value;
    if (s.name === 'curio_http_request_duration_seconds_bucket') {
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      byLe.set(le, (byLe.get(le) ?? 0) + s.value);
    }
  }
  const buckets = [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
  return { at, requests, buckets, latencySum };
}

/** The q-quantile (seconds) of the requests between two scrapes, interpolated within its bucket; null without requests. */
export function quantileBetween(before: HttpSnapshot | null, after: HttpSnapshot, q: number): number | null {
  const prior = new Map(before?.buckets.map((b) => [b.le, b.count]));
  const buckets = after.buckets.map((b) => ({ le: b.le, count: b.count - (prior.get(b.le) ?? 0) }));
  return (buckets.at(-1)?.count ?? 0) > 0 ? histogramQuantile(buckets, q) : null;
}
