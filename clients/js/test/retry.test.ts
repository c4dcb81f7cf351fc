// The retry rules on their own: what counts as idempotent, how Retry-After reads, how far backoff goes.
import { describe, expect, it } from 'vitest';
import { backoffMs, isIdempotent, retryAfterMs } from '../src/index.js';

describe('retry rules', () => {
  it('retries 5xx only for idempotent methods and event ingestion', () => {
    const req = (method: string, path: string) => new Request(`http://curio.test${path}`, { method });
    expect(isIdempotent(req('GET', '/v1/items/a'))).toBe(true);
    expect(isIdempotent(req('PUT', '/v1/items'))).toBe(true);
    expect(isIdempotent(req('DELETE', '/v1/items/a'))).toBe(true);
    expect(isIdempotent(req('POST', '/v1/events'))).toBe(true);
    expect(isIdempotent(req('POST', '/v1/recommendations'))).toBe(false);
    expect(isIdempotent(req('POST', '/v1/admin/jobs'))).toBe(false);
    expect(isIdempotent(req('PATCH', '/v1/items/a'))).toBe(false);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
    expect(retryAfterMs(null, now)).toBeNull();
    expect(retryAfterMs('soon', now)).toBeNull();
  });

  it('backs off exponentially with full jitter, never beyond maxDelayMs', () => {
    const o = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect([0, 1, 2, 3, 4, 10].map((k) => backoffMs(k, o, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffMs(3, o, () => 0)).toBe(0);
    expect(backoffMs(2, o, () => 0.5)).toBe(200);
  });
});
