import { describe, expect, it } from 'vitest';
import {
  kCore,
  leaveOneOut,
  parseRechorus,
  parseSequences,
  splitAtTimes,
  timeSplit,
  userItemMatrix,
  userSequence,
  caseTargets,
} from './index.js';

const text = 'a 1 2 3 4 5\nb 6 7 8 9 10 4 11\nc 4 12\n';

describe('sequences and splits', () => {
  it('parses the sequences format into dense ids in first-seen order', () => {
    const ds = parseSequences(text, 'purchase');
    expect(ds.users).toEqual(['a', 'b', 'c']);
    expect(ds.items.slice(0, 3)).toEqual(['1', '2', '3']);
    expect(Array.from(userSequence(ds, 1).items).map((i) => ds.items[i])).toEqual(['6', '7', '8', '9', '10', '4', '11']);
  });

  it('leave-one-out: last = test, second-to-last = validation, test history includes the validation item', () => {
    const split = leaveOneOut(parseSequences(text, 'purchase'));
    const ids = (xs: Int32Array): string[] => Array.from(xs, (i) => split.full.items[i]);
    expect(ids(split.test.targets)).toEqual(['5', '11']); // user c has 2 events: training only
    expect(ids(split.validation.targets)).toEqual(['4', '4']);
    expect(Array.from(split.test.historyLengths)).toEqual([4, 6]);
    expect(Array.from(split.validation.historyLengths)).toEqual([3, 5]);
    expect(ids(userSequence(split.train, 0).items)).toEqual(['1', '2', '3']);
    expect(ids(userSequence(split.train, 2).items)).toEqual(['4', '12']);
  });

  it('reads ReChorus TSV with times and sorts each user by time', () => {
    const ds = parseRechorus('user_id\titem_id\ttime\n1\t5\t300\n1\t6\t100\n2\t5\t200\n', 'purchase');
    expect(Array.from(userSequence(ds, 0).items, (i) => ds.items[i])).toEqual(['6', '5']);
    expect(Array.from(userSequence(ds, 0).timestampsMs)).toEqual([100_000, 300_000]);
  });

  it('time split: training before the validation cut, targets are distinct later items', () => {
    const rows = ['user_id\titem_id\ttime'];
    for (let t = 0; t < 10; t++) rows.push(`u\ti${t % 4}\t${t}`, `v\ti${(t + 1) % 4}\t${t}`);
    const split = timeSplit(parseRechorus(rows.join('\n'), 'view'), { trainFraction: 0.6, testFraction: 0.8 });
    expect(split.train.itemIdx.length).toBe(12);
    expect(split.test.users.length).toBe(2);
    const targets = caseTargets(split.test, 0);
    expect(new Set(targets).size).toBe(targets.length);
  });

  it('time split with a state window: the state is the newest events, and an item met before it is a target', () => {
    // u sees 1 2 3 4 before the cut, then 1 (met before the window) and 4 (in it) and 5; times in seconds.
    const rows = ['user_id\titem_id\ttime', ...[1, 2, 3, 4, 1, 4, 5].map((item, t) => `u\t${item}\t${t}`)];
    const ds = parseRechorus(rows.join('\n'), 'view');
    const ids = (xs: Int32Array): string[] => Array.from(xs, (i) => ds.items[i]);
    const papers = splitAtTimes(ds, 4000, 4000);
    expect(ids(caseTargets(papers.test, 0))).toEqual(['1', '4', '5']);
    expect(papers.test.served).toBeUndefined();
    const served = splitAtTimes(ds, 4000, 4000, { stateLength: 2 });
    expect(Array.from(served.test.historyLengths)).toEqual([4]);
    expect(Array.from(served.test.served?.stateStarts ?? [])).toEqual([2]); // the state is 3 4
    expect(ids(caseTargets(served.test, 0))).toEqual(['1', '5']);
    // A user whose window holds only their state's items has nothing to find.
    expect(splitAtTimes(ds, 4000, 6000, { stateLength: 10 }).validation.users.length).toBe(0);
  });

  it('time split with a state window: what the user bought before never is a target and is listed as blocked', () => {
    // u views 1, buys 2, views 3; after the cut views 2 (bought: the server never shows it) and 1 (a revisit).
    const rows = ['user_id\titem_id\ttime\ttype', 'u\t1\t0\tview', 'u\t2\t1\tpurchase', 'u\t3\t2\tview', 'u\t2\t3\tview', 'u\t1\t4\tview'];
    const ds = parseRechorus(rows.join('\n'), 'view');
    const ids = (xs: Int32Array): string[] => Array.from(xs, (i) => ds.items[i]);
    expect(ids(caseTargets(splitAtTimes(ds, 3000, 3000).test, 0))).toEqual(['2', '1']);
    const served = splitAtTimes(ds, 3000, 3000, { stateLength: 1 }).test;
    expect(ids(caseTargets(served, 0))).toEqual(['1']);
    expect(ids(served.served?.blocked ?? new Int32Array(0))).toEqual(['2']);
    expect(Array.from(served.served?.blockedOffsets ?? [])).toEqual([0, 1]);
  });

  it('k-core removes users and items below the minimum until stable', () => {
    const ds = kCore(parseSequences('a 1 2 3\nb 1 2 3\nc 1 9\n', 'view'), { userMin: 3, itemMin: 2 });
    expect(ds.users).toEqual(['a', 'b']);
    expect(ds.items).toEqual(['1', '2', '3']);
  });

  it('user-item matrix sums behaviour weights, drops non-positive cells, scales to mean 1', () => {
    const rows = 'user_id\titem_id\ttime\ttype\nu\t1\t1\tpurchase\nu\t2\t2\tview\nu\t3\t3\tview\nu\t3\t4\tdislike\n';
    const m = userItemMatrix(parseRechorus(rows, 'view'));
    expect(Array.from(m.indices)).toEqual([0, 1]);
    expect(m.values[0] / m.values[1]).toBeCloseTo(10); // purchase 5 vs view 0.5
    expect((m.values[0] + m.values[1]) / 2).toBeCloseTo(1);
  });
});
