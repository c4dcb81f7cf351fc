import { afterEach, describe, expect, it } from 'vitest';
import { assignArm } from '../../experiments/index.js';
import { createPseudonymiser } from '../../privacy/index.js';
import { sampleDecision } from '../../store/store.case.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

const SECRET = 'a-test-secret-of-enough-length';
const arms = [
  { id: 'control', weight: 1 },
  { id: 'greedy', weight: 1, policy: 'greedy', exploreWeight: 0 },
];

describe('GET /v1/users/:id/export', () => {
  let t: TestApp;
  afterEach(() => t.close());

  /** Two shoppers with behaviour over two categories (enough to segment), one with a record and a logged slate. */
  async function shop(): Promise<void> {
    t = await createTestApp({ env: { CURIO_ID_SECRET: SECRET } });
    const items = ['a1', 'a2', 'b1', 'b2'].map((id) => ({ id, title: id, categoryPath: [id.startsWith('a') ? 'Shoes' : 'Hats'] }));
    await t.call('ingest', { method: 'PUT', url: '/v1/items', payload: { items } });
    await t.call('ingest', {
      method: 'PUT',
      url: '/v1/users/shopper-42',
      payload: { attributes: { tier: 'gold' }, consent: { tracking: true, personalization: true } },
    });
    await t.call('ingest', { method: 'PUT', url: '/v1/users/no-profile', payload: { consent: { personalization: false } } });
    const events = ['shopper-42', 'other', 'no-profile'].flatMap((userId, u) =>
      ['a1', 'a2', 'b1', 'b2'].map((itemId, k) => ({
        id: `${userId}-${k}`,
        userId,
        itemId,
        type: k === 3 && u === 0 ? 'purchase' : 'view',
        timestamp: 1_700_000_000_000 + u * 1000 + k,
      })),
    );
    expect((await t.call('ingest', { method: 'POST', url: '/v1/events', payload: { events } })).json().accepted).toBe(12);
    await t.call('admin', {
      method: 'POST',
      url: '/v1/admin/experiments',
      payload: { id: 'explore-test', name: 'More exploration', arms },
    });
    await t.call('admin', { method: 'POST', url: '/v1/admin/experiments/explore-test/start' });
    const stored = createPseudonymiser(SECRET)('shopper-42');
    await t.store.appendDecisions([
      sampleDecision('rec-1', { userId: stored, shown: [{ itemId: 'a1', propensity: 1 }], arm: 'explore-test/greedy' }),
    ]);
  }

  it('returns everything stored about a user by their raw id, in the shop’s ids only, with profile, segment and arms', async () => {
    await shop();
    const stored = createPseudonymiser(SECRET)('shopper-42');
    const res = await t.call('admin', { method: 'GET', url: '/v1/users/shopper-42/export' });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(stored);
    const body = res.json();
    expect(body).toMatchObject({
      userId: 'shopper-42',
      pseudonymised: true,
      user: { id: 'shopper-42', attributes: { tier: 'gold' }, consent: { tracking: true, personalization: true } },
      decisions: [{ recommendationId: 'rec-1', userId: 'shopper-42', arm: 'explore-test/greedy' }],
      interests: { personalization: true },
      segment: { personalization: true, segment: expect.any(Number) },
      intent: { personalization: true, intent: null },
      experiments: [
        {
          id: 'explore-test',
          state: 'running',
          assignedArm: assignArm(
            'explore-test',
            stored,
            arms.map((a) => ({ description: '', ...a })),
          ).id,
          servedArms: ['greedy'],
        },
      ],
    });
    expect(body.events.map((e: { id: string; userId: string }) => `${e.userId}:${e.id}`)).toEqual(
      [0, 1, 2, 3].map((k) => `shopper-42:shopper-42-${k}`),
    );
    expect(body.interests.categories.map((c: { key: string }) => c.key)).toEqual(expect.arrayContaining(['Shoes', 'Hats']));
  });

  it('says so for a user who refused personalisation: no profile, segment, intent or arm', async () => {
    await shop();
    const body = (await t.call('admin', { method: 'GET', url: '/v1/users/no-profile/export' })).json();
    expect(body).toMatchObject({
      user: { consent: { personalization: false } },
      interests: { personalization: false },
      segment: { personalization: false },
      intent: { personalization: false },
      experiments: [{ id: 'explore-test', assignedArm: null, servedArms: [] }],
    });
    expect(body.events).toHaveLength(4);
  });

  it('answers 404 for an unknown user and needs the admin scope', async () => {
    await shop();
    expect((await t.call('admin', { method: 'GET', url: '/v1/users/nobody/export' })).statusCode).toBe(404);
    expect((await t.call('read', { method: 'GET', url: '/v1/users/shopper-42/export' })).statusCode).toBe(403);
  });
});
