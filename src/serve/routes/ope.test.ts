import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offPolicyReport, parseOpeConfig, type OffPolicyReport } from '../../eval/index.js';
import { GREEDY_VALUE, logOpeTraffic, T0 } from '../../../test/support/ope-logs.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

const iso = (ms: number): string => new Date(ms).toISOString();

describe('POST /v1/admin/ope', () => {
  let dir: string;
  let t: TestApp;
  const ope = (payload: Record<string, unknown>, as: 'admin' | 'read' = 'admin') =>
    t.call(as, { method: 'POST', url: '/v1/admin/ope', payload });
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'curio-ope-route-'));
    t = await createTestApp({
      storeUrl: `sqlite:${join(dir, 'curio.db')}`,
      prepare: (store) => logOpeTraffic(store, { slates: 3000, users: 150 }),
    });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers the same report as curio ope, with greedy's true value inside the chosen interval", async () => {
    const res = await ope({ policy: 'greedy', exploreWeight: 0 });
    expect(res.statusCode).toBe(200);
    const report = res.json<OffPolicyReport>();
    expect(report).toEqual(
      JSON.parse(JSON.stringify(await offPolicyReport(t.store, parseOpeConfig({ policy: 'greedy', exploreWeight: 0 })))),
    );
    expect(report).toMatchObject({
      policy: 'greedy',
      slates: 3000,
      impressions: 6000,
      warnings: [],
      interval: { unit: 'user', clusters: 150 },
    });
    expect(report.chosen!.lower).toBeLessThan(GREEDY_VALUE);
    expect(report.chosen!.upper).toBeGreaterThan(GREEDY_VALUE);
    expect(report.selection.candidates[report.chosen!.estimator]).toBeDefined();
  });

  it('reads only the time range asked for', async () => {
    const res = await ope({ policy: 'greedy', exploreWeight: 0, estimators: ['snips'], from: iso(T0), to: iso(T0 + 1000 * 1000) });
    expect(res.statusCode).toBe(200);
    const report = res.json<OffPolicyReport>();
    expect(report.slates).toBe(1000);
    expect(Object.keys(report.estimates)).toEqual(['snips']);
  });

  it('answers 400 naming the field and the reason, and 403 without the admin scope', async () => {
    const problem = async (payload: Record<string, unknown>) => {
      const res = await ope(payload);
      expect(res.statusCode).toBe(400);
      const body = res.json<{ error: { code: string; problems: Array<{ path: string; message: string }> } }>();
      expect(body.error.code).toBe('BAD_INPUT');
      return body.error.problems[0];
    };
    expect(await problem({ policy: 'greedy', exploreWeight: 2 })).toMatchObject({
      path: 'exploreWeight',
      message: expect.stringMatching(/1/),
    });
    expect((await problem({ exploreWeight: 0 })).path).toBe('policy');
    expect((await problem({ policy: 'greedy', from: 'yesterday' })).path).toBe('from');
    expect(await problem({ policy: 'greedy', from: iso(T0 + 1000), to: iso(T0) })).toEqual({ path: 'to', message: 'must be after from' });
    expect((await problem({ policy: 'greedy', interval: { method: 'jackknife' } })).path).toBe('interval.method');
    expect((await problem({ policy: 'greedy', estimator: 'dr' })).message).toMatch(/estimator/);
    expect(await problem({ policy: 'no-such-policy' })).toMatchObject({ path: 'policy', message: expect.stringMatching(/greedy/) });
    expect((await ope({ policy: 'greedy' }, 'read')).statusCode).toBe(403);
  });

  it('is in the OpenAPI document under its tag', async () => {
    const doc = (await t.call(null, { method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, { post?: { tags: string[] } }>;
      tags: Array<{ name: string }>;
    }>();
    expect(doc.paths['/v1/admin/ope'].post?.tags).toEqual(['ope']);
    expect(doc.tags.map((tag) => tag.name)).toContain('ope');
  });
});
