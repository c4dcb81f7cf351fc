import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRng, type Event } from '../../core/index.js';
import { openStore, type Decision, type Store } from '../../store/index.js';
import { experimentInputSchema, type Experiment } from '../experiment.js';
import { experimentResults } from './results.js';

const DAY = 86_400_000;
const START = 1_760_000_000_000;

function experiment(overrides: Partial<Experiment> = {}): Experiment {
  return {
    ...experimentInputSchema.parse({ id: 'exp', name: 'test', arms: [{ id: 'control' }, { id: 'treat' }] }),
    state: 'running',
    createdAt: START - DAY,
    startedAt: START,
    stoppedAt: null,
    history: [],
    ...overrides,
  };
}

const event = (e: Partial<Event> & Pick<Event, 'id' | 'userId' | 'type' | 'timestamp'>): Event => ({
  itemId: 'i0',
  value: null,
  sessionId: null,
  context: {},
  ...e,
});

interface Shop {
  /** Users per arm, and the expected counts the test checks against. */
  users: Record<'control' | 'treat', string[]>;
  converted: Record<'control' | 'treat', number>;
  clicks: Record<'control' | 'treat', number>;
  revenue: Record<'control' | 'treat', number>;
}

/**
 * Users in two arms, one slate of three items each. A third of users are regulars who bought before the start
 * and convert far more often (what CUPED exploits); treatment doubles conversion. Purchases alternate between
 * carrying a value and leaving it to the item's price.
 */
async function logShop(store: Store, perArm: Record<'control' | 'treat', number>): Promise<Shop> {
  const rng = createRng(3);
  const shop: Shop = {
    users: { control: [], treat: [] },
    converted: { control: 0, treat: 0 },
    clicks: { control: 0, treat: 0 },
    revenue: { control: 0, treat: 0 },
  };
  await store.upsertItems(
    ['i0', 'i1', 'i2'].map((id, k) => ({
      id,
      title: id,
      description: '',
      categoryPath: ['C', k === 2 ? 'b' : 'a'],
      tags: [],
      brand: null,
      price: 10 * (k + 1),
      attributes: {},
      available: true,
      createdAt: START - 100 * DAY,
    })),
  );
  const decisions: Decision[] = [];
  const events: Event[] = [];
  let n = 0;
  for (const arm of ['control', 'treat'] as const) {
    for (let u = 0; u < perArm[arm]; u++) {
      const userId = `${arm}-${u}`;
      const t = START + (n++ % 1000) * 60_000;
      shop.users[arm].push(userId);
      const regular = u % 3 === 0;
      if (regular)
        events.push(event({ id: `pre-${userId}`, userId, type: 'purchase', timestamp: START - 3 * DAY, itemId: 'i1', value: 20 }));
      decisions.push({
        recommendationId: `r-${userId}`,
        userId,
        timestamp: t,
        policy: 'greedy',
        exploreWeight: 0,
        candidates: [],
        shown: ['i0', 'i1', 'i2'].map((itemId) => ({ itemId, propensity: 1 })),
        arm: `exp/${arm}`,
      });
      const context = { recommendationId: `r-${userId}` };
      if (rng.next() < 0.5) {
        events.push(event({ id: `c-${userId}`, userId, type: 'click', timestamp: t + 1000, itemId: 'i1', context }));
        shop.clicks[arm]++;
      }
      const rate = (regular ? 0.6 : 0.1) * (arm === 'treat' ? 2 : 1);
      if (rng.next() < Math.min(0.95, rate)) {
        const withValue = u % 2 === 0;
        // Half the purchases name the slate, half are credited through the 24 h window.
        events.push(
          event({
            id: `p-${userId}`,
            userId,
            type: 'purchase',
            timestamp: t + 3_600_000,
            itemId: 'i2',
            value: withValue ? 25 : null,
            context: u % 4 < 2 ? context : {},
          }),
        );
        shop.converted[arm]++;
        shop.revenue[arm] += withValue ? 25 : 30;
      }
    }
  }
  // Noise: a purchase by someone never exposed, and one long after the window.
  events.push(event({ id: 'stranger', userId: 'nobody', type: 'purchase', timestamp: START + 1000, value: 99 }));
  events.push(event({ id: 'late', userId: 'control-1', type: 'purchase', timestamp: START + 5 * DAY, itemId: 'i2', value: 99 }));
  await store.appendDecisions(decisions);
  await store.appendEvents(events);
  return shop;
}

describe('experimentResults', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
  });
  afterEach(async () => {
    await store.close();
  });

  it('computes per-user business metrics per arm from attributed outcomes, with guardrails', async () => {
    const shop = await logShop(store, { control: 300, treat: 300 });
    const results = await experimentResults(store, experiment(), { now: START + 10 * DAY });
    const [control, treat] = results.arms;
    for (const [arm, result] of [
      ['control', control],
      ['treat', treat],
    ] as const) {
      expect(result).toMatchObject({ id: arm, users: 300, slates: 300, impressions: 900, movedUsers: 0 });
      expect(result.metrics.conversion).toBeCloseTo(shop.converted[arm] / 300, 12);
      expect(result.metrics.revenue).toBeCloseTo(shop.revenue[arm] / 300, 9);
      expect(result.metrics.ctr).toBeCloseTo(shop.clicks[arm] / 900, 12);
      expect(result.metrics.aov).toBeCloseTo(shop.revenue[arm] / shop.converted[arm], 9);
      expect(result.metrics['add-to-cart']).toBe(0);
      // Every slate shows all 3 items: full coverage; pairs (i0,i1) share a leaf, 2 of 3 pairs differ.
      expect(result.guardrails).toMatchObject({ coverage: 1, latencyP99Ms: null });
      expect(result.guardrails.diversity).toBeCloseTo(2 / 3, 12);
    }
    expect(results.attribution.bySlate + results.attribution.byWindow).toBe(
      shop.converted.control + shop.converted.treat + shop.clicks.control + shop.clicks.treat,
    );
    expect(results.sampleRatio?.mismatch).toBe(false);
    expect(results.warnings).toEqual([]);
  });

  it('finds a doubled conversion rate, always-valid, and CUPED removes variance using pre-period purchases', async () => {
    await logShop(store, { control: 400, treat: 400 });
    const results = await experimentResults(store, experiment(), { now: START + 10 * DAY });
    const conversion = results.comparisons[0].metrics.conversion;
    expect(conversion).not.toBeNull();
    expect(conversion!.difference).toBeGreaterThan(0);
    expect(conversion!.interval.lower).toBeGreaterThan(0);
    expect(conversion!.sequential?.significant).toBe(true);
    // The always-valid interval pays for peeking: wider than the fixed-horizon one.
    expect(conversion!.sequential!.interval.upper - conversion!.sequential!.interval.lower).toBeGreaterThan(
      conversion!.interval.upper - conversion!.interval.lower,
    );
    expect(conversion!.cuped!.varianceReduction).toBeGreaterThan(0.1);
    expect(conversion!.lift!.value).toBeGreaterThan(0.3);
    // CTR does not differ by construction: its interval covers 0.
    const ctr = results.comparisons[0].metrics.ctr!;
    expect(ctr.interval.lower).toBeLessThan(0);
    expect(ctr.interval.upper).toBeGreaterThan(0);
    expect(ctr.cuped).toBeNull();
  });

  it('flags a sample-ratio mismatch and users moved between arms', async () => {
    await logShop(store, { control: 300, treat: 120 });
    await store.appendDecisions([
      {
        recommendationId: 'moved',
        userId: 'control-5',
        timestamp: START + 2 * DAY,
        policy: 'greedy',
        exploreWeight: 0,
        candidates: [],
        shown: [{ itemId: 'i0', propensity: 1 }],
        arm: 'exp/treat',
      },
    ]);
    const results = await experimentResults(store, experiment(), { now: START + 10 * DAY });
    expect(results.sampleRatio?.mismatch).toBe(true);
    expect(results.arms[0]).toMatchObject({ users: 300, movedUsers: 1, slates: 301 });
    expect(results.warnings.join(' ')).toMatch(/sample ratio mismatch/);
    expect(results.warnings.join(' ')).toMatch(/more than one arm/);
  });

  it('leaves out slates of other experiments and outcomes outside the window', async () => {
    await logShop(store, { control: 10, treat: 10 });
    await store.appendDecisions([
      {
        recommendationId: 'other',
        userId: 'x',
        timestamp: START + 1000,
        policy: 'greedy',
        exploreWeight: 0,
        candidates: [],
        shown: [{ itemId: 'i0', propensity: 1 }],
        arm: 'exp2/control',
      },
    ]);
    const stopped = await experimentResults(store, experiment({ stoppedAt: START + 1 }), { now: START + 10 * DAY });
    // Stopped a millisecond after the start: only the first slate (at START) is inside.
    expect(stopped.arms.reduce((s, a) => s + a.users, 0)).toBe(1);
    const all = await experimentResults(store, experiment(), { now: START + 10 * DAY });
    expect(all.arms.reduce((s, a) => s + a.users, 0)).toBe(20);
  });
});
