// curio ope on slates logged as one record each reads what it read from per-slot impression events.
import { describe, expect, it } from 'vitest';
import { readStoreLogs } from './store-logs.js';
import { createShopApp, type ShopApp } from '../../../test/support/recommend-shop.js';

const slateIds = async (t: ShopApp, user: string, query: string): Promise<{ recommendationId: string; ids: string[] }> => {
  const res = await t.call('read', { method: 'GET', url: `/v1/users/${user}/recommendations${query}` });
  expect(res.statusCode).toBe(200);
  const body = res.json() as { recommendationId: string; items: Array<{ itemId: string }> };
  return { recommendationId: body.recommendationId, ids: body.items.map((i) => i.itemId) };
};

describe('readStoreLogs over slate records', () => {
  it('give curio ope the same slates, propensities, candidates and rewards as impression events did', async () => {
    const logs = async (impressionLog: string) => {
      const t = await createShopApp({ 'serving.impressionLog': impressionLog, 'serving.policy': 'epsilon-greedy' });
      try {
        for (let s = 0; s < 6; s++) {
          const rec = await slateIds(t, `s${s}`, '?n=3&explore=1');
          const click = {
            id: `c${s}`,
            userId: `s${s}`,
            itemId: rec.ids[s % 3],
            type: 'click',
            timestamp: Date.now() + 1000,
            context: { recommendationId: rec.recommendationId, position: s % 3 },
          };
          const posted = await t.call('ingest', { method: 'POST', url: '/v1/events', payload: { events: [click] } });
          expect(posted.json()).toMatchObject({ accepted: 1 });
        }
        const read = await readStoreLogs(t.store);
        // Ids and times differ between runs (and with the time, the recency part of candidate scores); what OPE uses must not.
        return {
          ...read,
          slates: read.slates.map(({ recommendationId: _r, timestamp: _t, candidates, ...rest }) => ({
            ...rest,
            candidates: candidates?.map((c) => c.itemId),
          })),
        };
      } finally {
        await t.close();
      }
    };
    const fromSlates = await logs('slate');
    expect(fromSlates.slates).toHaveLength(6);
    expect(fromSlates.slatesWithCandidates).toBe(6);
    expect(fromSlates.slates.flatMap((s) => s.impressions).filter((i) => i.reward === 1)).toHaveLength(6);
    expect(fromSlates).toEqual(await logs('events'));
  });
});
