/**
 * Turning user sequences into the token windows the sequential transformers read: item ids shifted by
 * one (0 = padding), behaviour tokens, time-gap buckets and per-target weights from the event weights.
 */
import type { Rng } from '../core/index.js';
import { weightTable, type SequenceDataset } from '../data/index.js';
import type { EventWeights } from '../core/index.js';
import type { UserState } from './recommender.js';

/** Gap buckets: 0 padding, 1 unknown time, 2 first event, then log2(1 + seconds) in 3..GAP_BUCKETS-1. */
export const GAP_BUCKETS = 32;

/**
 * Training windows, each at most `maxLen` inputs, with their next-item targets. The flat arrays hold every
 * user's input tokens once, in user order; a window is a range of them, so windows may overlap (one per
 * prefix) without copying a user's events once per window.
 */
export interface SeqWindows {
  /** Token range [starts[w], ends[w]) of each window. */
  starts: Int32Array;
  ends: Int32Array;
  /** Only each window's last position trains (one window per prefix); otherwise every position does. */
  lastOnly: boolean;
  /** Input item ids + 1. */
  items: Int32Array;
  /** Input behaviour tokens + 1. */
  types: Int32Array;
  /** Input time-gap buckets. */
  gaps: Int32Array;
  /** Target (next) item id + 1 for each input position. */
  targets: Int32Array;
  /** Loss weight of each target (event weight of its behaviour, mean 1 over all targets). */
  weights: Float32Array;
}

/** The bucket of the gap between two event times (ms); NaN times give the 'unknown' bucket. */
export function gapBucket(previousMs: number, currentMs: number, first: boolean): number {
  if (Number.isNaN(currentMs)) return 1;
  if (first || Number.isNaN(previousMs)) return 2;
  const seconds = Math.max(0, (currentMs - previousMs) / 1000);
  return Math.min(GAP_BUCKETS - 1, 3 + Math.floor(Math.log2(1 + seconds)));
}

export interface WindowOptions {
  /**
   * Every prefix of each user's sequence becomes a window of its own (its newest maxLen events), trained on
   * its last position only: the prediction point is always the newest column, as it is when serving, and
   * each target is predicted once, from its whole history. Without it, windows are cut end to end and every
   * position trains, its position embedding counting from the window's end rather than the prediction point.
   */
  prefixes?: boolean;
}

/**
 * Cuts every user's sequence into windows of up to maxLen + 1 events, newest window first (so the most
 * recent events always train); a user's events are inputs for the next one. Users with < 2 events are
 * skipped. With `prefixes`, one window per target instead (WindowOptions), each a view of the user's tokens.
 */
export function buildWindows(train: SequenceDataset, maxLen: number, eventWeights?: EventWeights, options: WindowOptions = {}): SeqWindows {
  const table = weightTable(eventWeights);
  // Every event but each user's last is an input token, its target the event after it.
  let n = 0;
  for (let u = 0; u < train.offsets.length - 1; u++) n += Math.max(0, train.offsets[u + 1] - train.offsets[u] - 1);
  const tokens = {
    items: new Int32Array(n),
    types: new Int32Array(n),
    gaps: new Int32Array(n),
    targets: new Int32Array(n),
    weights: new Float32Array(n),
  };
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  let sum = 0;
  for (let u = 0; u < train.offsets.length - 1; u++) {
    const first = train.offsets[u];
    const count = train.offsets[u + 1] - first - 1;
    if (count < 1) continue;
    for (let k = 0; k < count; k++) {
      const ev = first + k;
      tokens.items[at + k] = train.itemIdx[ev] + 1;
      tokens.types[at + k] = train.types[ev] + 1;
      tokens.gaps[at + k] = gapBucket(train.timestampsMs[ev - 1], train.timestampsMs[ev], k === 0);
      tokens.targets[at + k] = train.itemIdx[ev + 1] + 1;
      // A dislike or removal is not something to predict: negative weights count as 0 (NaN stays NaN).
      const wt = table[train.types[ev + 1]];
      tokens.weights[at + k] = wt < 0 ? 0 : wt;
      sum += tokens.weights[at + k];
    }
    const step = options.prefixes ? 1 : maxLen;
    for (let end = at + count; end > at; end -= step) {
      starts.push(Math.max(at, end - maxLen));
      ends.push(end);
    }
    at += count;
  }
  // Each token trains exactly once either way (in its end-to-end window, or as its prefix's last position).
  const scale = n / (sum || 1);
  for (let k = 0; k < n; k++) tokens.weights[k] *= scale;
  return { starts: Int32Array.from(starts), ends: Int32Array.from(ends), lastOnly: !!options.prefixes, ...tokens };
}

/**
 * How many times more tokens the encoder reads per epoch with one window per prefix than with windows cut
 * end to end: about half the mean sequence length (up to maxLen) on short sequences, up to maxLen / 2 on long ones.
 */
export function prefixCost(train: SequenceDataset, maxLen: number): number {
  let windows = 0;
  let prefixes = 0;
  for (let u = 0; u < train.offsets.length - 1; u++) {
    const targets = train.offsets[u + 1] - train.offsets[u] - 1;
    if (targets < 1) continue;
    windows += targets;
    // Prefix k (1-based) reads min(k, maxLen) events.
    const capped = Math.min(targets, maxLen);
    prefixes += (capped * (capped + 1)) / 2 + (targets - capped) * maxLen;
  }
  return windows > 0 ? prefixes / windows : 1;
}

/**
 * A padded mini-batch [batch, len]: left padding, so the newest event is always in the last column, or with
 * `fromOldest` right padding, so the oldest is always in the first.
 */
export interface SeqBatch {
  batch: number;
  len: number;
  fromOldest: boolean;
  items: Int32Array;
  types: Int32Array;
  gaps: Int32Array;
  targets: Int32Array;
  weights: Float32Array;
}

/** Packs the given windows into a batch of length `len` (at least the longest window, at most maxLen). */
export function packBatch(w: SeqWindows, ids: ArrayLike<number>, len: number, fromOldest = false): SeqBatch {
  const b = ids.length;
  const out: SeqBatch = {
    batch: b,
    len,
    fromOldest,
    items: new Int32Array(b * len),
    types: new Int32Array(b * len),
    gaps: new Int32Array(b * len),
    targets: new Int32Array(b * len),
    weights: new Float32Array(b * len),
  };
  for (let r = 0; r < b; r++) {
    const end = w.ends[ids[r]];
    const n = Math.min(len, end - w.starts[ids[r]]);
    const src = end - n;
    const dst = r * len + (fromOldest ? 0 : len - n);
    out.items.set(w.items.subarray(src, src + n), dst);
    out.types.set(w.types.subarray(src, src + n), dst);
    out.gaps.set(w.gaps.subarray(src, src + n), dst);
    out.targets.set(w.targets.subarray(src, src + n), dst);
    if (w.lastOnly) out.weights[dst + n - 1] = w.weights[end - 1];
    else out.weights.set(w.weights.subarray(src, src + n), dst);
  }
  return out;
}

/**
 * The epoch's batches: a seeded shuffle, then (when `bucketed`) windows of similar length grouped inside
 * chunks of 32 batches so that short sequences are not padded to the longest; batch order is shuffled again.
 */
export function epochBatches(w: SeqWindows, batchSize: number, rng: Rng, bucketed: boolean): Int32Array[] {
  const count = w.starts.length;
  const order = Int32Array.from({ length: count }, (_, i) => i);
  shuffle(order, rng);
  const lengthOf = (i: number): number => w.ends[i] - w.starts[i];
  const batches: Int32Array[] = [];
  const chunk = batchSize * 32;
  for (let c = 0; c < count; c += chunk) {
    const part = order.slice(c, Math.min(count, c + chunk));
    if (bucketed) part.sort((a, b) => lengthOf(a) - lengthOf(b) || a - b);
    for (let b = 0; b < part.length; b += batchSize) batches.push(part.slice(b, b + batchSize));
  }
  const perm = Int32Array.from({ length: batches.length }, (_, i) => i);
  shuffle(perm, rng);
  return Array.from(perm, (i) => batches[i]);
}

function shuffle(a: Int32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/** One serving-time sequence (the newest maxLen events of a state) as a batch of one, length `len`. */
export function stateBatch(state: UserState, len: number, nItems: number, fromOldest = false): SeqBatch {
  const n = Math.min(len, state.items.length);
  const from = state.items.length - n;
  const pad = fromOldest ? 0 : len - n;
  const out: SeqBatch = {
    batch: 1,
    len,
    fromOldest,
    items: new Int32Array(len),
    types: new Int32Array(len),
    gaps: new Int32Array(len),
    targets: new Int32Array(len),
    weights: new Float32Array(len),
  };
  for (let k = 0; k < n; k++) {
    const ev = from + k;
    const item = state.items[ev];
    // Items unknown to the model (added after training) are skipped as padding would be.
    out.items[pad + k] = item >= 0 && item < nItems ? item + 1 : 0;
    out.types[pad + k] = (state.types?.[ev] ?? 5) + 1; // no types given: treat as the S3-Rec files do (purchase)
    const ts = state.timestampsMs;
    out.gaps[pad + k] = ts ? gapBucket(ts[ev - 1], ts[ev], ev === 0) : 1;
  }
  return out;
}
