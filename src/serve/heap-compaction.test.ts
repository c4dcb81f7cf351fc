import { describe, expect, it } from 'vitest';
import { DEFAULT_COMPACTION, compactionDue, fullCollection, oldSpace, type OldSpace } from './heap-compaction.js';

const MB = 1024 * 1024;

describe('heap compaction policy', () => {
  const minutes = (m: number) => m * 60_000;

  it('waits for a large free share, growth since the last compaction, a floor of free bytes and the interval', () => {
    const fragmented = { committedBytes: 160 * MB, usedBytes: 100 * MB };
    const first = { sinceMs: minutes(5), committedAfterBytes: 0 };
    expect(compactionDue(fragmented, first)).toBe(true);
    expect(compactionDue(fragmented, { ...first, sinceMs: minutes(1) })).toBe(false); // too soon after the last
    expect(compactionDue({ committedBytes: 120 * MB, usedBytes: 100 * MB }, first)).toBe(false); // 20% free
    expect(compactionDue({ committedBytes: 20 * MB, usedBytes: 8 * MB }, first)).toBe(false); // 12 MB: a small heap
    expect(compactionDue({ committedBytes: 30 * MB, usedBytes: 8 * MB }, first)).toBe(true);
    expect(compactionDue(fragmented, first, { ...DEFAULT_COMPACTION, freeShare: 0.7 })).toBe(false);
    // The last compaction left 150 MB committed: 10 MB more is not worth another pause, 20 MB is.
    expect(compactionDue(fragmented, { ...first, committedAfterBytes: 150 * MB })).toBe(false);
    expect(compactionDue(fragmented, { ...first, committedAfterBytes: 140 * MB })).toBe(true);
  });
});

describe('fullCollection', () => {
  it('moves live objects together, handing back the pages a thinned cache left partly used', async () => {
    const gc = fullCollection();
    expect(gc).toBeTypeOf('function');
    // A cache that lost a third of its entries at random leaves every old page two-thirds full: a plain full
    // collection frees the entries but moves nothing, so the committed size would stay.
    const cache = new Map<number, { values: number[]; label: string }>();
    for (let key = 0; key < 100_000; key++) cache.set(key, { values: new Array(20).fill(key), label: `entry ${key}` });
    await new Promise((resolve) => setTimeout(resolve));
    gc!();
    for (const key of [...cache.keys()]) if (Math.random() < 0.35) cache.delete(key);
    const kept = cache.size;
    // From a timer, as the server asks for it.
    const [before, after] = await new Promise<[OldSpace, OldSpace]>((resolve) =>
      setTimeout(() => {
        const b = oldSpace();
        gc!();
        resolve([b, oldSpace()]);
      }),
    );
    expect(cache.size).toBe(kept);
    expect(after.committedBytes).toBeLessThan(before.committedBytes * 0.8);
  });
});
