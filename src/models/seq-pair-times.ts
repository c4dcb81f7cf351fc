/**
 * Time between every (query, key) pair of a batch, bucketed for the attention time bias (HSTU's
 * timestamp term). Batches carry only each event's gap bucket (seq-data.ts), so the elapsed time from
 * event j to event i is the sum of the gaps j+1..i, each taken at the geometric middle of its bucket:
 * within a factor of 2 of the truth per gap, the same at training and serving time.
 */
import { GAP_BUCKETS } from './seq-data.js';

/** Pair buckets: 0 when a gap in between is unknown, else 1 + floor(log2(1 + seconds)), capped. */
export const PAIR_TIME_BUCKETS = 32;

/** Approximate seconds of each gap bucket; NaN = unknown; 0 for padding and for a user's first event. */
const GAP_SECONDS = Float64Array.from({ length: GAP_BUCKETS }, (_, b) => {
  if (b === 1) return NaN;
  // Bucket b >= 3 holds 1 + seconds in [2^(b-3), 2^(b-2)).
  return b < 3 ? 0 : 2 ** (b - 2.5) - 1;
});

/** floor(log2(1 + seconds)) as an integer op (clz32 of the truncated value), capped at 30. */
function log2Bucket(seconds: number): number {
  return 31 - Math.clz32(Math.min(2 ** 31 - 1, 1 + seconds));
}

/**
 * [batch, len, len] bucket of the time from key event j to query event i (j <= i), -1 where either is
 * padding (gap bucket 0) or j > i. `gaps` is a batch's [batch, len] gap buckets (SeqBatch.gaps).
 */
export function pairTimeBuckets(gaps: Int32Array, batch: number, len: number): Int32Array {
  const out = new Int32Array(batch * len * len).fill(-1);
  const elapsed = new Float64Array(len + 1);
  const unknown = new Int32Array(len + 1);
  for (let b = 0; b < batch; b++) {
    const g = gaps.subarray(b * len, (b + 1) * len);
    for (let k = 0; k < len; k++) {
      const s = GAP_SECONDS[g[k]];
      elapsed[k + 1] = elapsed[k] + (Number.isNaN(s) ? 0 : s);
      unknown[k + 1] = unknown[k] + (Number.isNaN(s) ? 1 : 0);
    }
    for (let i = 0; i < len; i++) {
      if (g[i] === 0) continue;
      const row = (b * len + i) * len;
      for (let j = 0; j <= i; j++) {
        if (g[j] === 0) continue;
        // Gaps j+1..i lie between the two events.
        out[row + j] =
          unknown[i + 1] > unknown[j + 1] ? 0 : Math.min(PAIR_TIME_BUCKETS - 1, 1 + log2Bucket(elapsed[i + 1] - elapsed[j + 1]));
      }
    }
  }
  return out;
}
