import { describe, expect, it } from 'vitest';
import { gapBucket } from './seq-data.js';
import { PAIR_TIME_BUCKETS, pairTimeBuckets } from './seq-pair-times.js';

describe('pairTimeBuckets', () => {
  it('buckets the time between two events from the gaps in between, within one bucket of the exact time', () => {
    // One user, events at these seconds; left padding of 2.
    const times = [0, 30, 90, 4000, 4010, 90_000];
    const len = times.length + 2;
    const gaps = new Int32Array(len);
    times.forEach((t, k) => (gaps[k + 2] = gapBucket(times[k - 1] * 1000, t * 1000, k === 0)));
    const out = pairTimeBuckets(gaps, 1, len);
    for (let i = 0; i < len; i++) {
      for (let j = 0; j < len; j++) {
        const got = out[i * len + j];
        if (i < 2 || j < 2 || j > i) {
          expect(got).toBe(-1);
          continue;
        }
        const exact = 1 + Math.floor(Math.log2(1 + times[i - 2] - times[j - 2]));
        expect(Math.abs(got - exact)).toBeLessThanOrEqual(1);
      }
    }
    expect(out[(len - 1) * len + len - 1]).toBe(1); // an event and itself: 0 s
  });

  it('puts pairs across an unknown gap in bucket 0 and caps long spans', () => {
    const gaps = Int32Array.of(2, 1, 31, 31);
    const out = pairTimeBuckets(gaps, 1, 4);
    expect(out[1 * 4 + 0]).toBe(0); // the gap into event 1 is unknown
    // Each capped gap counts as 2^28.5 s: one is bucket 1 + 28, two are 1 + 29; nothing passes the last bucket.
    expect([out[3 * 4 + 2], out[3 * 4 + 1]]).toEqual([29, 30]);
    expect(Math.max(...pairTimeBuckets(new Int32Array(40).fill(31), 1, 40))).toBe(PAIR_TIME_BUCKETS - 1);
  });
});
