import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, viewEvent, type TestApp } from '../../test/support/test-app.js';
import { openStore } from '../store/index.js';
import { createMetrics, histogramQuantile } from './metrics.js';

/** One parsed sample line of the Prometheus text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict parser for the text exposition format: every line is a HELP, a TYPE, a sample or blank. */
function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

describe('/metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('serves parseable Prometheus text with request, latency, ingest and store metrics', async () => {
    await t.call('ingest', { method: 'POST', url: '/v1/events', payload: { events: [viewEvent(1), viewEvent(2)] } });
    await t.call('read', { method: 'GET', url: '/v1/items/missing' });
    const res = await t.call('read', { method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const samples = parsePrometheus(res.body);
    const find = (name: string, labels: Record<string, string>) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

    expect(find('curio_http_requests_total', { method: 'POST', route: '/v1/events', status: '200' })).toBe(1);
    expect(find('curio_http_requests_total', { method: 'GET', route: '/v1/items/:id', status: '404' })).toBe(1);
    expect(find('curio_http_request_duration_seconds_count', { route: '/v1/events', status: '200' })).toBe(1);
    expect(find('curio_http_request_duration_seconds_bucket', { route: '/v1/events', le: '+Inf' })).toBe(1);
    expect(find('curio_events_ingested_total', { outcome: 'accepted' })).toBe(2);
    expect(find('curio_store_rows', { kind: 'events' })).toBe(2);
    expect(find('curio_store_rows', { kind: 'items' })).toBe(0);
  });
});

describe('experiment arm latency', () => {
  it('interpolates a quantile within its bucket and stops at the last finite bound', () => {
    const buckets = [
      { le: 1, count: 50 },
      { le: 2, count: 90 },
      { le: 4, count: 100 },
      { le: Infinity, count: 100 },
    ];
    expect(histogramQuantile(buckets, 0.5)).toBe(1);
    expect(histogramQuantile(buckets, 0.7)).toBeCloseTo(1.5, 12);
    expect(histogramQuantile(buckets, 0.99)).toBeCloseTo(3.8, 12);
    expect(
      histogramQuantile(
        [
          { le: 1, count: 0 },
          { le: Infinity, count: 4 },
        ],
        0.99,
      ),
    ).toBe(1);
    expect(histogramQuantile([{ le: Infinity, count: 0 }], 0.99)).toBeNull();
  });

  it("gives each arm's p99 within the 25% bucket resolution", async () => {
    const store = await openStore('sqlite::memory:');
    const metrics = createMetrics({ store });
    for (let k = 1; k <= 1000; k++) metrics.observeArm('e', 'slow', k / 100_000);
    metrics.observeArm('e', 'fast', 0.001);
    metrics.observeArm('other', 'x', 1);
    const latency = await metrics.armLatency('e');
    expect(Object.keys(latency).sort()).toEqual(['fast', 'slow']);
    expect(latency.slow.requests).toBe(1000);
    expect(latency.slow.p99Ms! / 9.9).toBeGreaterThan(0.8);
    expect(latency.slow.p99Ms! / 9.9).toBeLessThan(1.25);
    await store.close();
  });
});
