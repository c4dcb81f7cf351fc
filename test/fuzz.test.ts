// Hostile-request fuzzing in the default suite: a few thousand requests generated from the app's own route
// contracts (test/support/hostile-requests.ts), sent through inject. No request may get a 5xx, every failure
// must be in the documented error shape, and the server must serve normally afterwards. `npm run bench:fuzz`
// runs the same generator and checks with 100,000 requests, some of them over a real socket.
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineRoute } from '../src/serve/route.js';
import { checkHealth, createFuzzApp, describeFindings, runFuzz, type FuzzApp } from './support/fuzz-harness.js';
import { discoverRoutes, routeLabel, type RouteSpec } from './support/hostile-requests.js';

const REQUESTS = 2_500;
const SEED = 20_251_202;
/** Small enough that oversized bodies (413) cost little; the bench uses the same. */
const BODY_LIMIT = 1024 * 1024;

describe('hostile requests', () => {
  let target: FuzzApp;
  let routes: RouteSpec[];
  beforeAll(async () => {
    target = await createFuzzApp({ overrides: { 'server.bodyLimitBytes': BODY_LIMIT } });
    routes = await discoverRoutes(target.app);
  });
  afterAll(() => target?.close());

  it('finds every route the app serves: the documented ones with their contracts, and the pages the document hides', () => {
    const labels = routes.map(routeLabel);
    expect(labels).toEqual(
      expect.arrayContaining([
        'POST /v1/events',
        'GET /v1/users/:id/recommendations',
        'PATCH /v1/items/:id',
        'GET /openapi.json',
        'GET /docs/*',
      ]),
    );
    const events = routes.find((r) => routeLabel(r) === 'POST /v1/events')!;
    expect(events).toMatchObject({ scope: 'ingest', documented: true, body: { type: 'object', required: ['events'] } });
    expect(routes.filter((r) => r.documented && r.scope === null)).toEqual([]);
  });

  it(`${REQUESTS.toLocaleString('en')} generated hostile requests: no 5xx, every failure in the error shape, healthy afterwards`, async () => {
    const report = await runFuzz({ target, routes, requests: REQUESTS, seed: SEED, concurrency: 4 });
    const findings = describeFindings(report);
    if (findings) console.error(findings);
    expect(report.requests).toBe(REQUESTS);
    expect(report.fivexx, findings).toBe(0);
    expect(target.serverErrors, findings).toEqual([]);
    expect(report.shapeViolations, findings).toBe(0);
    expect(report.unsendable, JSON.stringify(report.examples.unsendable.slice(0, 3))).toBe(0);
    // Every route was exercised, and not only refused at the door.
    const missed = routes.map(routeLabel).filter((label) => !report.perRoute[label]);
    expect(missed).toEqual([]);
    expect(report.perStatus['200']).toBeGreaterThan(REQUESTS / 5);
    expect(report.perTag.valid).toBeGreaterThan(REQUESTS / 10);
    const health = await checkHealth(target);
    expect(health.checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('reports a route that throws a plain Error as a 5xx, the route found without being named', async () => {
    const planted = defineRoute({
      method: 'POST',
      url: '/v1/fuzz-canary',
      scope: 'ingest',
      tag: 'ops',
      summary: 'Fails on any valid input',
      body: z.object({ n: z.number().int() }).strict(),
      responses: { 200: z.object({}) },
      handler: async () => {
        throw new Error('planted failure');
      },
    });
    const canary = await createFuzzApp({ routes: [() => [planted]] });
    try {
      const found = (await discoverRoutes(canary.app)).filter((r) => r.url === '/v1/fuzz-canary');
      expect(found.map(routeLabel)).toEqual(['POST /v1/fuzz-canary']);
      const report = await runFuzz({ target: canary, routes: found, requests: 100, seed: SEED });
      expect(report.fivexx).toBeGreaterThan(0);
      expect(canary.serverErrors[0].error).toMatch(/planted failure/);
      expect(describeFindings(report)).toMatch(/5xx answers: \d+[^]*route POST \/v1\/fuzz-canary: answered 500/);
    } finally {
      await canary.close();
    }
  });
});
