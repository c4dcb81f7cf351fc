import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../core/index.js';
import { createPolicy, type PolicySnapshot } from '../explore/index.js';
import { openStore, type Store } from '../store/index.js';
import { POLICY_STATE_KEY, PolicyPersistence, snapshotMismatch } from './policy-persistence.js';
import { RecommendationRuntime } from './runtime.js';
import { createShopApp, T0, type ShopApp } from '../../test/support/recommend-shop.js';

const dir = mkdtempSync(join(tmpdir(), 'curio-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const THOMPSON = { 'serving.policy': 'thompson', 'serving.policyParams': { propensityDraws: 50 } };

const status = async (t: ShopApp) =>
  (await t.call('admin', { method: 'GET', url: '/v1/recommendations/status' })).json() as {
    policy: PolicySnapshot;
    feedback: { impressions: number; rewards: number };
  };

/** Serves a few shoppers and clicks the second item of each slate, through the HTTP API. */
async function trafficWithClicks(t: ShopApp): Promise<void> {
  for (let s = 0; s < 6; s++) {
    const rec = (await t.call('read', { method: 'GET', url: `/v1/users/s${s}/recommendations?n=4&explore=1` })).json() as {
      recommendationId: string;
      items: Array<{ itemId: string; position: number }>;
    };
    const shown = rec.items[1];
    const click = {
      id: `click-${s}`,
      userId: `s${s}`,
      itemId: shown.itemId,
      type: 'click',
      timestamp: T0 + 2_000_000 + s,
      context: { recommendationId: rec.recommendationId, position: shown.position },
    };
    expect((await t.call('ingest', { method: 'POST', url: '/v1/events', payload: { events: [click] } })).json().accepted).toBe(1);
  }
}

describe('policy persistence across restarts', () => {
  it('a restarted server on the same SQLite file serves with the same Thompson posterior', async () => {
    const url = `sqlite:${join(dir, 'restart.db')}`;
    const first = await createShopApp(THOMPSON, url);
    await trafficWithClicks(first);
    const before = await status(first);
    expect(before.feedback).toMatchObject({ impressions: 24, rewards: 6 });
    const items = (before.policy.state as { items: Record<string, [number, number]> }).items;
    expect(Object.values(items).reduce((n, [s]) => n + s, 0)).toBe(6);
    await first.close();

    const second = await createShopApp(THOMPSON, url);
    try {
      const after = await status(second);
      expect(after.policy).toEqual(before.policy);
      expect(after.feedback).toMatchObject({ impressions: 0, rewards: 0 }); // counts are per process; the state is not
    } finally {
      await second.close();
    }
  });

  it('with policySaveSeconds 0 nothing is saved and every start is fresh', async () => {
    const url = `sqlite:${join(dir, 'off.db')}`;
    const first = await createShopApp({ ...THOMPSON, 'serving.policySaveSeconds': 0 }, url);
    await trafficWithClicks(first);
    await first.close();
    const store = await openStore(url);
    expect(await store.getState(POLICY_STATE_KEY)).toBeNull();
    await store.close();
  });
});

describe('restoring a saved policy into a runtime', () => {
  let store: Store;
  afterEach(async () => store.close());

  /** A runtime over `store` with this serving config; warnings are collected. */
  async function started(serving: Record<string, unknown>): Promise<{ runtime: RecommendationRuntime; warnings: string[] }> {
    const config = loadConfig({
      env: {},
      overrides: {
        'serving.refreshIntervalSeconds': 0,
        ...Object.fromEntries(Object.entries(serving).map(([k, v]) => [`serving.${k}`, v])),
      },
    });
    const warnings: string[] = [];
    const runtime = new RecommendationRuntime({ config, store, warn: (m) => warnings.push(m) });
    await runtime.start();
    return { runtime, warnings };
  }

  async function saveLearned(id: string, params: Record<string, unknown>): Promise<PolicySnapshot> {
    const policy = createPolicy(id, params);
    policy.update({ itemId: 'a', cluster: 'x', reward: 1 });
    policy.update({ itemId: 'b', cluster: 'x', reward: 0 });
    await store.putState(POLICY_STATE_KEY, policy.save());
    return policy.save();
  }

  it('restores a snapshot of the configured policy and params, then saves its updates on stop', async () => {
    store = await openStore('sqlite::memory:');
    const saved = await saveLearned('thompson', { baseRate: 0.1 });
    const { runtime, warnings } = await started({ policy: 'thompson', policyParams: { baseRate: 0.1 } });
    expect(warnings).toEqual([]);
    expect(runtime.policy.save()).toEqual(saved);
    runtime.feedback.observe([
      {
        id: 'i',
        userId: 'u',
        itemId: 'c',
        type: 'impression',
        value: null,
        timestamp: 1,
        sessionId: null,
        context: { recommendationId: 'r', position: 0 },
      },
    ]);
    await runtime.stop();
    const after = (await store.getState(POLICY_STATE_KEY)) as PolicySnapshot;
    expect((after.state as { items: Record<string, unknown> }).items).toEqual({ a: [1, 0], b: [0, 1], c: [0, 1] });
  });

  it('starts fresh, and says why, when the saved policy or its params differ from the configuration', async () => {
    store = await openStore('sqlite::memory:');
    await saveLearned('thompson', { baseRate: 0.1 });
    const params = await started({ policy: 'thompson', policyParams: { baseRate: 0.2 } });
    expect(params.runtime.policy.save()).toEqual(createPolicy('thompson', { baseRate: 0.2 }).save());
    expect(params.warnings).toEqual([expect.stringMatching(/params .*"baseRate":0\.1.*starting a fresh thompson policy/)]);
    await params.runtime.stop();
    expect(await store.getState(POLICY_STATE_KEY)).toMatchObject({ params: { baseRate: 0.1 } }); // nothing learned: kept

    const other = await started({ policy: 'linucb' });
    expect(other.runtime.policy.id).toBe('linucb');
    expect(other.warnings).toEqual([expect.stringContaining('saved policy state is for "thompson", the configured policy is "linucb"')]);
    await other.runtime.stop();
  });

  it('starts fresh when the saved state is corrupt', async () => {
    store = await openStore('sqlite::memory:');
    await store.putState(POLICY_STATE_KEY, {
      policy: 'thompson',
      version: 1,
      params: createPolicy('thompson').save().params,
      state: { items: 'nope' },
    });
    const { runtime, warnings } = await started({ policy: 'thompson' });
    expect(runtime.policy.save()).toEqual(createPolicy('thompson').save());
    expect(warnings).toEqual([expect.stringContaining('cannot restore the saved policy state')]);
    await runtime.stop();
  });
});

describe('PolicyPersistence', () => {
  afterEach(() => vi.useRealTimers());

  it('saves on its period only when the policy was updated, and never before start', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const store = await openStore('sqlite::memory:');
    const policy = createPolicy('epsilon-greedy');
    let updates = 0;
    const puts = vi.spyOn(store, 'putState');
    const persistence = new PolicyPersistence({ store, saveSeconds: 10, policy: () => policy, updates: () => updates, warn: () => {} });
    await persistence.save();
    expect(puts).not.toHaveBeenCalled();
    await persistence.start(policy);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(puts).not.toHaveBeenCalled(); // nothing learned since the (empty) restore
    policy.update({ itemId: 'a', reward: 1 });
    updates = 1;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(puts).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(puts).toHaveBeenCalledTimes(1);
    await persistence.stop();
    expect(puts).toHaveBeenCalledTimes(1);
    expect(await store.getState(POLICY_STATE_KEY)).toEqual(policy.save());
    await store.close();
  });

  it('compares params by value, whatever their key order', () => {
    const configured = createPolicy('thompson', { baseRate: 0.1, scoreScale: 2 }).save();
    const reordered = { ...configured, params: Object.fromEntries(Object.entries(configured.params).reverse()) };
    expect(snapshotMismatch(reordered, configured)).toBeNull();
    expect(snapshotMismatch(null, configured)).toContain('not an object');
  });
});
