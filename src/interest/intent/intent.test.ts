import { describe, expect, it } from 'vitest';
import { createRng, type Event } from '../../core/index.js';
import { catalogue, DAY, ev, item, T0 } from '../../../test/support/interest-fixtures.js';
import { intentExamples } from './examples.js';
import { INTENT_FEATURES } from './features.js';
import { auc, brier, reliability } from './metrics.js';
import { evaluateIntent, predictIntent, trainIntentModel } from './model.js';

const items = catalogue([item('cheap', ['A'], { price: 5 }), item('dear', ['A'], { price: 500 }), item('other', ['B'])]);
const MIN = 60_000;

/** Half the users are buyers: their sessions often cart and then buy; the others only browse. */
function plantedLog(users: number): Event[] {
  const rng = createRng(4);
  const events: Event[] = [];
  for (let u = 0; u < users; u++) {
    for (let s = 0; s < 10; s++) {
      let t = T0 + s * DAY + rng.int(DAY / 2);
      const views = 1 + rng.int(4);
      for (let k = 0; k < views; k++) events.push(ev(`u${u}`, rng.next() < 0.5 ? 'cheap' : 'other', 'view', (t += MIN)));
      if (u % 2 === 0 && rng.next() < 0.7) {
        events.push(ev(`u${u}`, 'cheap', 'cart', (t += MIN)));
        events.push(ev(`u${u}`, 'other', 'view', (t += MIN)));
        if (rng.next() < 0.8) events.push(ev(`u${u}`, 'cheap', 'purchase', (t += MIN)));
      }
    }
  }
  return events;
}

describe('purchase intent', () => {
  const log = plantedLog(100);

  it('labels prefixes up to the first purchase without looking at later sessions', () => {
    const e = [
      ev('a', 'cheap', 'view', T0),
      ev('a', 'cheap', 'cart', T0 + MIN),
      ev('a', 'cheap', 'purchase', T0 + 2 * MIN),
      ev('a', 'other', 'view', T0 + DAY),
    ];
    const ex = intentExamples(e, items, { nextEvents: 1 });
    expect(Array.from(ex.inSession)).toEqual([1, 1, 0]);
    expect(Array.from(ex.nextEvents)).toEqual([0, 1, 0]);
    const first = INTENT_FEATURES.indexOf('first_session');
    expect(ex.x.map((x) => x[first])).toEqual([1, 1, 0]);
  });

  it('learns the planted buyers and carts on a leak-free time split, beating the base rate in Brier', () => {
    const r = evaluateIntent(log, items, { trainFraction: 0.6 });
    expect(r.trainExamples).toBeGreaterThan(500);
    expect(r.inSession.auc).toBeGreaterThan(0.8);
    expect(r.inSession.brier).toBeLessThan(r.inSession.brierBaseRate * 0.75);
    expect(r.inSession.ece).toBeLessThan(0.2);
    expect(r.withinNextEvents.auc).toBeGreaterThan(0.8);
    expect(JSON.parse(JSON.stringify(r.model))).toEqual(r.model);
  });

  it('predicts for an open cart above browsing, and handles unknown users and stale sessions', () => {
    const model = trainIntentModel(log, items);
    const now = T0 + 20 * DAY;
    const before = (u: string) => [ev(u, 'other', 'view', now - DAY), ev(u, 'cheap', 'view', now - DAY + MIN)];
    const carted = predictIntent(
      model,
      'x',
      [...before('x'), ev('x', 'cheap', 'view', now - 2 * MIN), ev('x', 'cheap', 'cart', now - MIN)],
      items,
      now,
    );
    const browsing = predictIntent(
      model,
      'y',
      [...before('y'), ev('y', 'cheap', 'view', now - 2 * MIN), ev('y', 'other', 'view', now - MIN)],
      items,
      now,
    );
    expect(carted.inSession).toBeGreaterThan(browsing.inSession + 0.3);
    expect(carted).toMatchObject({ sessionActive: true, sessionEvents: 2 });
    const ghost = predictIntent(model, 'ghost', [], items, now);
    expect(ghost).toMatchObject({ sessionActive: false, sessionEvents: 0 });
    expect(ghost.inSession).toBeGreaterThanOrEqual(0);
    expect(predictIntent(model, 'x', [ev('x', 'cheap', 'cart', now - DAY)], items, now).sessionActive).toBe(false);
    expect(() => trainIntentModel([], items)).toThrow(/at least one session/);
  });
});

describe('intent metrics', () => {
  it('computes AUC with ties, Brier and reliability', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(auc([0.5, 0.5], [0, 1])).toBe(0.5);
    expect(brier([1, 0], [1, 1])).toBe(0.5);
    const r = reliability([0.05, 0.05, 0.95, 0.95], [0, 0, 1, 1]);
    expect(r.bins.map((b) => b.observedRate)).toEqual([0, 1]);
    expect(r.ece).toBeCloseTo(0.05);
  });
});
