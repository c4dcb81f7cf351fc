import { describe, expect, it } from 'vitest';
import { createSequenceBuilder, leaveOneOut, userSequence, type SequenceDataset } from '../../src/data/index.js';
import { evaluate } from '../../src/eval/index.js';
import type { Recommender } from '../../src/models/index.js';
import { countPrivacy } from '../../src/privacy/index.js';
import {
  DAY_MS,
  distinctUserCounts,
  newestShare,
  optedOutUsers,
  popularityList,
  retainedShare,
  retainEvents,
  seeingRetained,
  testCasesOf,
  withinDays,
  withoutUsers,
} from './settings.js';

/** Users with (item, day) events; `a` has 7, `b` 2 (too few to be evaluated), `c` 5. */
function shop(): SequenceDataset {
  const b = createSequenceBuilder();
  const rows: Array<[string, string, number]> = [
    ['a', 'x', 0],
    ['a', 'y', 10],
    ['a', 'x', 50],
    ['a', 'z', 80],
    ['a', 'w', 95],
    ['a', 'v', 98],
    ['a', 'u', 99],
    ['b', 'x', 1],
    ['b', 'y', 97],
    ['c', 'y', 5],
    ['c', 'z', 60],
    ['c', 'w', 70],
    ['c', 'x', 90],
    ['c', 'v', 96],
  ];
  for (const [user, item, day] of rows) b.add(user, item, 'view', day * DAY_MS);
  return b.build();
}

const items = (ds: SequenceDataset, user: string): string[] =>
  Array.from(userSequence(ds, ds.users.indexOf(user)).items, (i) => ds.items[i]);

describe('retention', () => {
  it('drops training events older than the window, and the model sees only kept events; the cases stay', () => {
    const split = leaveOneOut(shop());
    const keep = withinDays(split.full, 30, 100 * DAY_MS);
    const kept = retainEvents(split, keep);
    expect(items(kept.train, 'a')).toEqual(['z', 'w']);
    expect(items(kept.train, 'b')).toEqual(['y']);
    expect(items(kept.train, 'c')).toEqual(['w']);
    // What is scored against (and excluded from the ranking) is the same in every setting.
    expect(kept.full).toBe(split.full);
    expect(kept.test).toBe(split.test);
    expect(retainedShare(split, keep)).toBeCloseTo(4 / 10);
    // The window's edge: c's event at day 70 is exactly 30 days old (kept), a millisecond later it is not.
    const c = split.full.users.indexOf('c');
    expect(keep(c, 2)).toBe(true);
    expect(withinDays(split.full, 30, 100 * DAY_MS + 1)(c, 2)).toBe(false);
    const seen: string[][] = [];
    const probe: Recommender = {
      id: 'probe',
      params: {},
      nItems: split.full.items.length,
      scoreAll(state, out = new Float32Array(split.full.items.length)) {
        seen.push(Array.from(state.items, (i) => split.full.items[i]));
        return out;
      },
      toArtifact: () => {
        throw new Error('unused');
      },
    };
    evaluate(seeingRetained(probe, split, keep), kept, 'test', { metrics: ['hr@10'] });
    // a's test history is x y x z w v: the two kept training events and the validation item remain; c's likewise.
    expect(seen).toEqual([
      ['z', 'w', 'v'],
      ['w', 'x'],
    ]);
  });

  it('keeps the newest share of each training history', () => {
    const split = leaveOneOut(shop());
    const kept = retainEvents(split, newestShare(split, 0.6));
    expect(items(kept.train, 'a')).toEqual(['x', 'z', 'w']); // 3 of 5
    expect(items(kept.train, 'b')).toEqual(['y']); // round(1.2) of 2
    expect(items(kept.train, 'c')).toEqual(['z', 'w']); // round(1.8) of 3
    expect(items(retainEvents(split, newestShare(split, 1)).train, 'a')).toEqual(['x', 'y', 'x', 'z', 'w']);
    expect(items(retainEvents(split, newestShare(split, 0)).train, 'a')).toEqual([]);
    expect(() => newestShare(split, 1.5)).toThrow(/share/);
  });
});

describe('opting out', () => {
  it('picks round(share × users), the larger shares holding the smaller ones', () => {
    const ten = optedOutUsers(1000, 0.1, 7);
    const half = optedOutUsers(1000, 0.5, 7);
    expect(ten.reduce((s, x) => s + x, 0)).toBe(100);
    expect(half.reduce((s, x) => s + x, 0)).toBe(500);
    for (let u = 0; u < 1000; u++) if (ten[u]) expect(half[u]).toBe(1);
    expect(optedOutUsers(1000, 0.1, 7)).toEqual(ten);
    expect(optedOutUsers(1000, 0.1, 8)).not.toEqual(ten);
    expect(optedOutUsers(1000, 0, 7).every((x) => x === 0)).toBe(true);
  });

  it("removes only the opted-out users' training events and scores groups apart", () => {
    const split = leaveOneOut(shop());
    const out = Uint8Array.from(split.full.users, (u) => (u === 'a' ? 1 : 0));
    const without = withoutUsers(split, out);
    expect(items(without.train, 'a')).toEqual([]);
    expect(items(without.train, 'c')).toEqual(items(split.train, 'c'));
    const onlyC = testCasesOf(split, (u) => out[u] === 0);
    expect(Array.from(onlyC.test.users, (u) => split.full.users[u])).toEqual(['c']);
    expect(Array.from(onlyC.test.targets, (i) => split.full.items[i])).toEqual(['v']);
    expect(Array.from(onlyC.test.historyLengths)).toEqual([4]);
  });
});

describe('the popularity list', () => {
  it('counts distinct users per item, each user at most maxItemsPerUser newest items', () => {
    const ds = shop();
    const count = (c: Float64Array, item: string): number => c[ds.items.indexOf(item)];
    const all = distinctUserCounts(ds);
    expect(count(all, 'x')).toBe(3); // a twice, b, c: three users
    expect(count(all, 'y')).toBe(3);
    const capped = distinctUserCounts(ds, 2);
    // a's newest two distinct: u, v; b's: y, x; c's: v, x.
    expect(count(capped, 'x')).toBe(2);
    expect(count(capped, 'v')).toBe(2);
    expect(count(capped, 'y')).toBe(1);
    expect(count(capped, 'z')).toBe(0);
    expect(capped.reduce((s, x) => s + x, 0)).toBe(6);
  });

  it('ranks by exact counts when exact and scores the published order', () => {
    const list = popularityList(Float64Array.from([3, 9, 0, 5]), countPrivacy('off'));
    const scores = list.scoreAll({ items: new Int32Array(0) });
    expect(Array.from(scores)).toEqual([2, 4, 1, 3]);
  });
});
