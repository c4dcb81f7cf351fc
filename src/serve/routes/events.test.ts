import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, viewEvent, type TestApp } from '../../../test/support/test-app.js';

describe('POST /v1/events', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ env: { CURIO_MAX_BATCH_EVENTS: '50', CURIO_BODY_LIMIT_BYTES: '20000' } });
  });
  afterEach(() => t.close());

  const post = (payload: unknown) => t.call('ingest', { method: 'POST', url: '/v1/events', payload: payload as object });

  it('stores valid rows and lists every problem of the invalid ones by index and path', async () => {
    const events = [
      viewEvent(1),
      { id: '', userId: 'u1', type: 'teleport', timestamp: 'yesterday', extra: 1 },
      viewEvent(2),
      { id: 'r1', userId: 'u1', itemId: 'i1', type: 'rating', timestamp: 1, context: { propensity: 2 } },
    ];
    const res = await post({ events });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.accepted).toBe(2);
    expect(body.duplicates).toBe(0);
    expect(body.rejected.map((r: { index: number }) => r.index)).toEqual([1, 3]);
    const paths = (i: number) => body.rejected[i].errors.map((e: { path: string }) => e.path);
    expect(paths(0)).toEqual(expect.arrayContaining(['id', 'type', 'timestamp', '(root)']));
    expect(paths(1)).toEqual(expect.arrayContaining(['context.propensity', 'value']));
    expect((await t.store.counts()).events).toBe(2);
  });

  it('counts a retried batch as duplicates and stores nothing twice', async () => {
    const events = Array.from({ length: 30 }, (_, i) => viewEvent(i));
    expect((await post({ events })).json()).toEqual({ accepted: 30, duplicates: 0, rejected: [] });
    expect((await post({ events })).json()).toEqual({ accepted: 0, duplicates: 30, rejected: [] });
    const mixed = [...events.slice(0, 5), viewEvent(100), viewEvent(100)];
    expect((await post({ events: mixed })).json()).toEqual({ accepted: 1, duplicates: 6, rejected: [] });
    expect((await t.store.counts()).events).toBe(31);
  });

  it('answers 400 for a malformed envelope, an oversized batch or malformed JSON', async () => {
    const noEvents = await post({ evnts: [] });
    expect(noEvents.statusCode).toBe(400);
    expect(noEvents.json().error.problems.map((p: { path: string }) => p.path)).toEqual(expect.arrayContaining(['events', '(root)']));
    const tooMany = await post({ events: Array.from({ length: 51 }, (_, i) => viewEvent(i)) });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().error.problems).toEqual([{ path: 'events', message: 'a batch holds at most 50 events' }]);
    const broken = await t.call('ingest', {
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json' },
      payload: '{"events": [',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('BAD_INPUT');
    expect((await t.store.counts()).events).toBe(0);
  });

  it('answers 413 for a body over the byte limit', async () => {
    const res = await post({ events: [{ ...viewEvent(1), sessionId: 'x'.repeat(30_000) }] });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses the events of a user who turned tracking off, with a reason', async () => {
    await t.call('ingest', { method: 'PUT', url: '/v1/users/quiet', payload: { consent: { tracking: false } } });
    const res = await post({ events: [viewEvent(1, 'quiet'), viewEvent(2, 'loud')] });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.accepted).toBe(1);
    expect(body.rejected).toEqual([{ index: 0, errors: [{ path: 'userId', message: expect.stringMatching(/refused tracking/) }] }]);
    expect(await t.store.userEvents('quiet')).toEqual([]);
  });

  it('counts outcomes in /metrics', async () => {
    await post({ events: [viewEvent(1), viewEvent(1), { id: 'bad' }] });
    const text = (await t.call('read', { method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('curio_events_ingested_total{outcome="accepted"} 1');
    expect(text).toContain('curio_events_ingested_total{outcome="duplicate"} 1');
    expect(text).toContain('curio_events_ingested_total{outcome="rejected"} 1');
  });
});
