import { describe, expect, it } from 'vitest';
import { processCpuSeconds, routeBuckets, serverSide } from './server-durations.js';

const ROUTE = '/v1/users/:id/recommendations';
const exposition = (counts: number[]): string =>
  [0.005, 0.01, 0.025, Infinity]
    .map(
      (le, i) =>
        `curio_http_request_duration_seconds_bucket{le="${le === Infinity ? '+Inf' : le}",method="GET",route="${ROUTE}",status="200"} ${counts[i]}`,
    )
    .concat([`curio_http_request_duration_seconds_bucket{le="0.01",method="GET",route="/v1/trending",status="200"} 999`])
    .join('\n');

describe('serverSide', () => {
  it("reads one route's buckets and splits a run's requests at 10 ms", () => {
    const before = routeBuckets(exposition([10, 10, 10, 10]), ROUTE);
    const after = routeBuckets(exposition([900, 1000, 1100, 1110]), ROUTE);
    const side = serverSide(before, after);
    expect(side.requests).toBe(1100);
    expect(side.over10msShare).toBeCloseTo(110 / 1100, 9);
    // 99% of 1,100 is 1,089: first reached by the 25 ms bucket (1,090 within it, 990 within 10 ms).
    expect(side.p99AtMostMs).toBe(25);
  });

  it('reports no percentile for a run without requests', () => {
    const same = routeBuckets(exposition([5, 5, 5, 5]), ROUTE);
    expect(serverSide(same, same)).toEqual({ requests: 0, over10msShare: 0, p99AtMostMs: null });
  });
});

describe('processCpuSeconds', () => {
  it("reads prom-client's process CPU counter, and NaN when the exposition has none", () => {
    const text = ['# TYPE process_cpu_seconds_total counter', 'process_cpu_seconds_total 12.5', 'process_cpu_user_seconds_total 10'].join(
      '\n',
    );
    expect(processCpuSeconds(text)).toBe(12.5);
    expect(processCpuSeconds('process_cpu_user_seconds_total 10')).toBeNaN();
  });
});
