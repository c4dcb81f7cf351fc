import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopApp, type ShopApp } from '../../../test/support/recommend-shop.js';

interface Slate {
  recommendationId: string;
  items: Array<{ itemId: string; category: string }>;
  policy: string;
  exploreWeight: number;
  experiment: { id: string; arm: string } | null;
}

const experiment = {
  id: 'explore-test',
  name: 'More exploration',
  arms: [
    { id: 'control', weight: 1 },
    { id: 'greedy', weight: 1, policy: 'greedy', exploreWeight: 0 },
  ],
};

describe('experiments over HTTP', () => {
  let dir: string;
  let t: ShopApp;
  const slate = async (app: ShopApp, user: string): Promise<Slate> => {
    const res = await app.call('read', { method: 'GET', url: `/v1/users/${user}/recommendations?n=4` });
    expect(res.statusCode).toBe(200);
    return res.json<Slate>();
  };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'curio-experiments-'));
    t = await createShopApp({}, `sqlite:${join(dir, 'shop.db')}`);
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates, refuses bad definitions with the field, and needs the admin scope', async () => {
    expect((await t.call('read', { method: 'GET', url: '/v1/admin/experiments' })).statusCode).toBe(403);
    const bad = await t.call('admin', {
      method: 'POST',
      url: '/v1/admin/experiments',
      payload: { ...experiment, arms: [{ id: 'a' }, { id: 'b', policy: 'no-such-policy' }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.problems[0].path).toBe('arms.1.policy');
    const created = await t.call('admin', { method: 'POST', url: '/v1/admin/experiments', payload: experiment });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id: 'explore-test', state: 'draft' });
    expect((await t.call('admin', { method: 'POST', url: '/v1/admin/experiments', payload: experiment })).statusCode).toBe(409);
  });

  it('serves each user the arm the hash gives, tags the slate and its decision, and keeps it across a restart', async () => {
    expect((await slate(t, 's0')).experiment).toBeNull();
    expect((await t.call('admin', { method: 'POST', url: '/v1/admin/experiments/explore-test/start' })).statusCode).toBe(200);
    const users = Array.from({ length: 40 }, (_, k) => `visitor-${k}`).concat(['s0', 's1', 's2']);
    const arms = new Map<string, string>();
    for (const u of users) {
      const s = await slate(t, u);
      expect(s.experiment?.id).toBe('explore-test');
      arms.set(u, s.experiment!.arm);
      if (s.experiment!.arm === 'greedy') expect(s).toMatchObject({ policy: 'greedy', exploreWeight: 0 });
      else expect(s.policy).toBe(t.config.serving.policy);
    }
    const greedy = [...arms.values()].filter((a) => a === 'greedy').length;
    expect(greedy).toBeGreaterThan(8);
    expect(greedy).toBeLessThan(35);
    for (const u of users.slice(0, 10)) expect((await slate(t, u)).experiment?.arm).toBe(arms.get(u));

    await t.app.close();
    const decisions = [];
    for await (const d of t.store.scanDecisions()) decisions.push(d);
    expect(decisions.length).toBeGreaterThan(0);
    // The first slate was served before the experiment started.
    expect(decisions[0].arm).toBeUndefined();
    expect(decisions.length).toBe(1 + users.length + 10);
    for (const d of decisions.slice(1)) expect(d.arm).toMatch(/^explore-test\/(control|greedy)$/);

    const again = await createShopApp({}, `sqlite:${join(dir, 'shop.db')}`);
    try {
      for (const u of users.slice(0, 10)) expect((await slate(again, u)).experiment?.arm).toBe(arms.get(u));
      expect((await again.call('admin', { method: 'POST', url: '/v1/admin/experiments/explore-test/pause' })).statusCode).toBe(200);
      expect((await slate(again, users[0])).experiment).toBeNull();
    } finally {
      await again.close();
    }
  });
});

describe('experiment results over HTTP', () => {
  let t: ShopApp;
  beforeAll(async () => {
    t = await createShopApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('attributes clicks and purchases to the arms that served them, with latency from the server metrics', async () => {
    const created = await t.call('admin', { method: 'POST', url: '/v1/admin/experiments', payload: { ...experiment, id: 'results-test' } });
    expect(created.statusCode).toBe(201);
    expect((await t.call('admin', { method: 'GET', url: '/v1/admin/experiments/results-test/results' })).statusCode).toBe(409);
    expect((await t.call('admin', { method: 'GET', url: '/v1/admin/experiments/nope/results' })).statusCode).toBe(404);
    await t.call('admin', { method: 'POST', url: '/v1/admin/experiments/results-test/start' });
    const served = new Map<string, number>();
    const events = [];
    for (let k = 0; k < 30; k++) {
      const user = `buyer-${k}`;
      const res = await t.call('read', { method: 'GET', url: `/v1/users/${user}/recommendations?n=4` });
      const s = res.json<Slate>();
      served.set(s.experiment!.arm, (served.get(s.experiment!.arm) ?? 0) + 1);
      const context = { recommendationId: s.recommendationId };
      const base = { userId: user, itemId: s.items[0].itemId, timestamp: Date.now(), context };
      events.push({ ...base, id: `click-${k}`, type: 'click' });
      if (k % 3 === 0) events.push({ ...base, id: `buy-${k}`, type: 'purchase', value: 40 });
    }
    const ingested = await t.call('ingest', { method: 'POST', url: '/v1/events', payload: { events } });
    expect(ingested.json().accepted).toBe(events.length);
    const res = await t.call('admin', { method: 'GET', url: '/v1/admin/experiments/results-test/results' });
    expect(res.statusCode).toBe(200);
    const results = res.json();
    expect(results.control).toBe('control');
    for (const arm of results.arms) {
      const users = served.get(arm.id) ?? 0;
      expect(arm).toMatchObject({ users, slates: users, impressions: 4 * users });
      expect(arm.metrics.ctr).toBeCloseTo(1 / 4, 12);
      expect(arm.guardrails.requests).toBe(users);
      expect(arm.guardrails.latencyP99Ms).toBeGreaterThan(0);
    }
    expect(results.attribution).toEqual({ bySlate: events.length, byWindow: 0, hours: 24 });
    const revenue = results.arms.reduce(
      (s: number, a: { users: number; metrics: { revenue: number } }) => s + a.users * a.metrics.revenue,
      0,
    );
    expect(revenue).toBeCloseTo(10 * 40, 9);
    expect(results.comparisons[0].arm).toBe('greedy');
    expect(results.preEvaluation).toBeNull();

    const bad = await t.call('admin', {
      method: 'POST',
      url: '/v1/admin/experiments/results-test/pre-evaluate',
      payload: { from: 'last week' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.problems[0].path).toBe('from');
    const evaluated = await t.call('admin', { method: 'POST', url: '/v1/admin/experiments/results-test/pre-evaluate', payload: {} });
    expect(evaluated.statusCode).toBe(200);
    const pre = evaluated.json().preEvaluation;
    expect(pre.slates).toBeGreaterThanOrEqual(30);
    expect(pre.arms.greedy).toMatchObject({ policy: 'greedy', exploreWeight: 0 });
    expect(pre.arms.control.policy).toBe(t.config.serving.policy);
    for (const arm of Object.values(pre.arms) as Array<{ estimate: number | null; lower: number; upper: number }>) {
      if (arm.estimate === null) continue;
      expect(arm.lower).toBeLessThanOrEqual(arm.estimate);
      expect(arm.upper).toBeGreaterThanOrEqual(arm.estimate);
    }
    const again = (await t.call('admin', { method: 'GET', url: '/v1/admin/experiments/results-test/results' })).json();
    expect(again.preEvaluation.arms.greedy.policy).toBe('greedy');
  });
});

describe('experiment audiences', () => {
  let t: ShopApp;
  beforeAll(async () => {
    t = await createShopApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('admits only the segments named, and never a shopper who refused personalisation', async () => {
    expect((await t.call('read', { method: 'GET', url: '/v1/segments' })).statusCode).toBe(200);
    const segmentOf = new Map<string, number>();
    for (let s = 0; s < 40; s++) {
      const res = await t.call('read', { method: 'GET', url: `/v1/users/s${s}/segment` });
      segmentOf.set(`s${s}`, res.json().segment.segment);
    }
    const target = segmentOf.get('s0')!;
    const outside = [...segmentOf].find(([, seg]) => seg !== target);
    expect(outside).toBeDefined();
    const created = await t.call('admin', {
      method: 'POST',
      url: '/v1/admin/experiments',
      payload: { ...experiment, id: 'segment-test', audience: { users: 'all', segments: [target] } },
    });
    expect(created.json()).toMatchObject({ id: 'segment-test' });
    await t.call('admin', { method: 'POST', url: '/v1/admin/experiments/segment-test/start' });
    const slate = async (user: string) =>
      (await t.call('read', { method: 'GET', url: `/v1/users/${user}/recommendations?n=4` })).json<Slate>();
    expect((await slate('s0')).experiment?.id).toBe('segment-test');
    expect((await slate(outside![0])).experiment).toBeNull();
    // Not segmented yet (no events): left out.
    expect((await slate('brand-new-visitor')).experiment).toBeNull();
    await t.call('ingest', { method: 'PUT', url: '/v1/users/s0', payload: { consent: { personalization: false } } });
    const refused = await slate('s0');
    expect(refused.experiment).toBeNull();
  });
});

describe('experiment arms with their own rules', () => {
  let t: ShopApp;
  beforeAll(async () => {
    t = await createShopApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("applies an arm's diversity rules to its slates only", async () => {
    const created = await t.call('admin', {
      method: 'POST',
      url: '/v1/admin/experiments',
      payload: {
        id: 'rules-test',
        name: 'One per category',
        // Both arms exploit the model's ranking alone (greedy), so what differs between them is the rule: with
        // a learning policy each slate's impressions would reshuffle the next shopper's candidates in either arm.
        arms: [
          { id: 'control', policy: 'greedy', rules: { diversity: 'none' } },
          { id: 'one-each', policy: 'greedy', rules: { diversity: 'caps', maxPerCategory: 1 } },
        ],
      },
    });
    expect(created.statusCode).toBe(201);
    await t.call('admin', { method: 'POST', url: '/v1/admin/experiments/rules-test/start' });
    // Distinct categories per slate, by arm: the cap (which backfills when a shopper's candidates run out of
    // categories) spreads slates over more of them than no diversity does.
    const distinct: Record<string, number[]> = { control: [], 'one-each': [] };
    for (let s = 0; s < 40; s++) {
      const res = await t.call('read', { method: 'GET', url: `/v1/users/s${s}/recommendations?n=4&explore=0` });
      const slate = res.json<Slate>();
      distinct[slate.experiment!.arm].push(new Set(slate.items.map((i) => i.category)).size);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(distinct['one-each'])).toBeGreaterThan(mean(distinct.control) + 0.5);
  });
});
