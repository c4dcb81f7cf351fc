import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { FlagTable } from './flag-table.js';

describe('FlagTable', () => {
  it('keeps flags per key and forgets the oldest keys first at capacity', () => {
    const t = new FlagTable(3);
    t.set(10, 1);
    t.set(20, 2);
    t.set(10, 3); // an update is not a new key: 10 stays the oldest
    t.set(30, 4);
    expect([t.get(10), t.get(20), t.get(30), t.get(40), t.size]).toEqual([3, 2, 4, 0, 3]);
    t.set(40, 5);
    expect([t.get(10), t.get(20), t.get(30), t.get(40), t.size]).toEqual([0, 2, 4, 5, 3]);
  });

  it('agrees with a Map in insertion order over 200,000 random operations, through eviction', () => {
    const rng = createRng(7);
    const capacity = 5000;
    const table = new FlagTable(capacity);
    const reference = new Map<number, number>();
    // Keys drawn from a small range collide in their home slots often, which exercises the probe runs.
    const key = () => (rng.next() < 0.5 ? rng.int(20_000) : rng.int(2 ** 21) * 2 ** 32 + rng.int(2 ** 32));
    for (let op = 0; op < 200_000; op++) {
      const k = key();
      if (rng.next() < 0.7) {
        const flags = 1 + Math.floor(rng.next() * 255);
        if (!reference.has(k) && reference.size === capacity) reference.delete(reference.keys().next().value as number);
        reference.set(k, flags);
        table.set(k, flags);
      } else {
        expect(table.get(k)).toBe(reference.get(k) ?? 0);
      }
    }
    expect(table.size).toBe(reference.size);
    for (const [k, flags] of reference) expect(table.get(k)).toBe(flags);
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new FlagTable(0)).toThrow(/capacity must be a positive integer, got 0/);
  });
});
