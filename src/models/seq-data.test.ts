import { describe, expect, it } from 'vitest';
import { createSequenceBuilder, type SequenceDataset } from '../data/index.js';
import { buildWindows, packBatch, prefixCost } from './seq-data.js';

/** Two users: a with five views then a purchase, b with two views. */
function twoUsers(): SequenceDataset {
  const b = createSequenceBuilder();
  const t0 = Date.UTC(2024, 0, 1);
  ['i1', 'i2', 'i3', 'i4', 'i5'].forEach((item, k) => b.add('a', item, 'view', t0 + k * 60_000));
  b.add('a', 'i6', 'purchase', t0 + 5 * 60_000);
  b.add('b', 'i1', 'view', t0);
  b.add('b', 'i2', 'view', t0 + 60_000);
  return b.build();
}

/** Each window as training packs it (its own length, no padding). */
function windowsOf(w: ReturnType<typeof buildWindows>): { items: number[]; targets: number[]; weights: number[] }[] {
  return Array.from({ length: w.starts.length }, (_, k) => {
    const b = packBatch(w, [k], w.ends[k] - w.starts[k]);
    return { items: Array.from(b.items), targets: Array.from(b.targets), weights: Array.from(b.weights) };
  });
}

describe('buildWindows', () => {
  it('cuts a long sequence end to end, newest window first, every position a target', () => {
    const ds = twoUsers();
    const id = (name: string): number => ds.items.indexOf(name) + 1;
    const w = windowsOf(buildWindows(ds, 3));
    expect(w.map((x) => x.items)).toEqual([[id('i3'), id('i4'), id('i5')], [id('i1'), id('i2')], [id('i1')]]);
    expect(w[0].targets).toEqual([id('i4'), id('i5'), id('i6')]);
    expect(w.every((x) => x.weights.every((v) => v > 0))).toBe(true);
  });

  it('with prefixes, gives every target its own window of its newest history, trained on the last position only', () => {
    // The windows are views of the users' tokens: no event is stored twice.
    expect(buildWindows(twoUsers(), 3, undefined, { prefixes: true }).items.length).toBe(6);
    const ds = twoUsers();
    const id = (name: string): number => ds.items.indexOf(name) + 1;
    const built = buildWindows(ds, 3, undefined, { prefixes: true });
    const w = windowsOf(built);
    // User a: targets i2..i6 (five windows, newest first), user b: target i2.
    expect(w.map((x) => x.items)).toEqual([
      [id('i3'), id('i4'), id('i5')],
      [id('i2'), id('i3'), id('i4')],
      [id('i1'), id('i2'), id('i3')],
      [id('i1'), id('i2')],
      [id('i1')],
      [id('i1')],
    ]);
    expect(w.map((x) => x.targets[x.targets.length - 1])).toEqual([id('i6'), id('i5'), id('i4'), id('i3'), id('i2'), id('i2')]);
    for (const x of w) expect(x.weights.slice(0, -1).every((v) => v === 0)).toBe(true);
    // The purchase weighs more than a view; the trained weights average 1.
    const last = w.map((x) => x.weights[x.weights.length - 1]);
    expect(last[0]).toBeGreaterThan(last[1]);
    expect(last.reduce((a, b) => a + b, 0) / last.length).toBeCloseTo(1, 5);
  });
});

describe('prefixCost', () => {
  it('is the tokens of every prefix window over those of the end-to-end windows', () => {
    // User a: five targets reading 1, 2, 3, 3, 3 events (maxLen 3); user b: one reading 1. Windows: six targets.
    expect(prefixCost(twoUsers(), 3)).toBeCloseTo(13 / 6, 9);
  });
});

describe('packBatch', () => {
  it('pads on the left by default and on the right from the oldest', () => {
    const ds = twoUsers();
    const w = buildWindows(ds, 8);
    const events = Array.from(w.items.subarray(w.starts[0], w.ends[0])); // user a's five inputs
    const left = packBatch(w, [0], 7);
    const right = packBatch(w, [0], 7, true);
    expect(Array.from(left.items)).toEqual([0, 0, ...events]);
    expect(Array.from(right.items)).toEqual([...events, 0, 0]);
    expect(right.fromOldest).toBe(true);
    expect(Array.from(right.targets.subarray(0, 5))).toEqual(Array.from(left.targets.subarray(2)));
  });
});
