// Consent through the API: withdrawing tracking with the history erased (the record and its refusal stay),
// and a refusal of personalisation that every feature respects at once and says so.
import { afterEach, describe, expect, it } from 'vitest';
import type { ErasureReceipt } from '../../privacy/index.js';
import { createInsightApp, type InsightApp } from '../../../test/support/insight-shop.js';
import { createShopApp, T0, type ShopApp } from '../../../test/support/recommend-shop.js';

describe('DELETE /v1/users/:id/history', () => {
  let t: ShopApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('withdraws tracking and erases the history through the erasure service, keeping the record and its refusal', async () => {
    t = await createShopApp({ 'serving.impressionLog': 'slate' });
    await t.call('ingest', { method: 'PUT', url: '/v1/users/s2', payload: { attributes: { tier: 'gold' } } });
    expect((await t.call('read', { method: 'GET', url: '/v1/users/s2/recommendations?n=3' })).statusCode).toBe(200);
    const before = (await t.store.userEvents('s2')).length;
    expect(before).toBeGreaterThan(0);

    expect((await t.call('ingest', { method: 'DELETE', url: '/v1/users/s2/history' })).statusCode).toBe(403);
    const res = await t.call('admin', { method: 'DELETE', url: '/v1/users/s2/history' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      id: 's2',
      user: { id: 's2', attributes: { tier: 'gold' }, consent: { tracking: false, personalization: true } },
      erased: { events: before, decisions: 1 },
    });
    expect(body.erasureId).toMatch(/^er-/);

    // The store: no history, the record with its refusal; later events and slates are not logged.
    expect(await t.store.userEvents('s2')).toEqual([]);
    expect(await t.store.userDecisions('s2')).toEqual([]);
    expect(await t.store.getUser('s2')).toMatchObject({ attributes: { tier: 'gold' }, consent: { tracking: false } });
    const events = [{ id: 'later', userId: 's2', itemId: 'tea-1', type: 'view', timestamp: T0 + 10 }];
    expect((await t.call('ingest', { method: 'POST', url: '/v1/events', payload: { events } })).json()).toMatchObject({
      accepted: 0,
      rejected: [{ index: 0 }],
    });
    expect((await t.call('read', { method: 'GET', url: '/v1/users/s2/recommendations?n=3' })).json().mode).toBe('cold-start');
    expect(await t.store.userDecisions('s2')).toEqual([]);

    // The receipt is the erasure's, with the record reported as kept.
    const receipt = (await t.call('admin', { method: 'GET', url: `/v1/admin/erasures/${body.erasureId}` })).json<ErasureReceipt>();
    expect(receipt.targets.user).toMatchObject({ state: 'done', removed: 0, detail: expect.stringContaining('kept') });
    expect(receipt.targets.events).toMatchObject({ state: 'done', removed: before });
    // Audited as an erasure, without the id.
    const audit = (await t.call('admin', { method: 'GET', url: '/v1/admin/audit' })).json();
    expect(audit.entries[0]).toMatchObject({
      action: 'DELETE /v1/users/:id/history',
      outcome: 'ok',
      target: expect.stringMatching(/^user:/),
    });
  });

  it('remembers the refusal of a user Curio knew nothing of', async () => {
    t = await createShopApp();
    const body = (await t.call('admin', { method: 'DELETE', url: '/v1/users/stranger/history' })).json();
    expect(body).toMatchObject({ user: { consent: { tracking: false } }, erased: { events: 0, decisions: 0 } });
    expect(await t.store.trackingRefused(['stranger'])).toEqual(new Set(['stranger']));
  });
});

describe('personalisation off, feature by feature', () => {
  let t: InsightApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  const read = (url: string) => t!.call('read', { method: 'GET', url });

  it('leaves the cached segmentation at once, and every per-user feature says personalization: false', async () => {
    t = await createInsightApp();
    expect((await read('/v1/segments')).json()).toMatchObject({ users: 36, excludedUsers: 0 });
    expect((await read('/v1/segments?format=csv')).body).toMatch(/^s3,/m);
    await t.call('ingest', { method: 'PUT', url: '/v1/users/s3', payload: { consent: { personalization: false } } });

    // The segmentation served now (no rebuild yet) already leaves them out, and counts them as excluded.
    expect((await read('/v1/segments?format=csv')).body).not.toMatch(/^s3,/m);
    expect((await read('/v1/segments')).json()).toMatchObject({ users: 35, excludedUsers: 1 });
    for (const feature of ['segment', 'interests', 'intent'])
      expect((await read(`/v1/users/s3/${feature}`)).json()).toEqual({ userId: 's3', personalization: false });
    expect((await read('/v1/users/s3/recommendations?n=3')).json()).toMatchObject({ mode: 'non-personalized', personalized: false });
    // The rebuilt segmentation leaves them out too.
    expect((await t.call('admin', { method: 'POST', url: '/v1/segments/refresh' })).json()).toMatchObject({
      users: 35,
      excludedUsers: 1,
    });
  });

  it('puts them in no experiment arm', async () => {
    t = await createInsightApp();
    const arms = [
      { id: 'control', weight: 1 },
      { id: 'greedy', weight: 1, policy: 'greedy', exploreWeight: 0 },
    ];
    await t.call('admin', { method: 'POST', url: '/v1/admin/experiments', payload: { id: 'x', name: 'x', arms } });
    await t.call('admin', { method: 'POST', url: '/v1/admin/experiments/x/start' });
    expect((await read('/v1/users/s4/recommendations?n=3')).json().experiment).toMatchObject({ id: 'x' });
    await t.call('ingest', { method: 'PUT', url: '/v1/users/s4', payload: { consent: { personalization: false } } });
    expect((await read('/v1/users/s4/recommendations?n=3')).json().experiment).toBeNull();
  });

  it('the export states the consent and every feature that leaves the user out', async () => {
    t = await createInsightApp();
    const exported = async (id: string) => (await t!.call('admin', { method: 'GET', url: `/v1/users/${id}/export` })).json();
    expect(await exported('s0')).toMatchObject({ consent: { tracking: true, personalization: true, recorded: false }, excludedFrom: [] });
    await t.call('ingest', { method: 'PUT', url: '/v1/users/s3', payload: { consent: { personalization: false, tracking: false } } });
    const body = await exported('s3');
    expect(body.consent).toEqual({ tracking: false, personalization: false, recorded: true });
    const by = (because: string) =>
      body.excludedFrom.filter((e: { because: string }) => e.because === because).map((e: { feature: string }) => e.feature);
    expect(by('consent.personalization=false')).toEqual(['recommendations', 'segments', 'interests', 'intent', 'experiments']);
    expect(by('consent.tracking=false')).toEqual(['events', 'impressions', 'feedback', 'recent activity']);
  });
});
