/**
 * Learned relative attention biases (T5's bucketed distances; HSTU's position and time terms): per head,
 * one value per bucket of the query-key distance i - j and, optionally, one per bucket of the time between
 * the two events. Causal layouts only: entries with j > i are 0 (the attention masks them anyway).
 */
import { CurioError } from '../core/index.js';
import { gradBuffer, record } from './autograd.js';
import { alloc } from './memory.js';
import { Tensor } from './tensor.js';

/** Distances below this get a bucket each; longer ones share log-spaced buckets. */
const EXACT_DISTANCES = 16;
const BUCKETS_PER_DOUBLING = 4;

/** Bucket of a query-key distance d >= 0: d itself below 16, then 4 log-spaced buckets per doubling. */
export function distanceBucket(d: number): number {
  return d < EXACT_DISTANCES ? d : EXACT_DISTANCES + Math.floor(BUCKETS_PER_DOUBLING * Math.log2(d / EXACT_DISTANCES));
}

/** Number of distance buckets that sequences of up to maxLen events need. */
export function distanceBuckets(maxLen: number): number {
  return distanceBucket(Math.max(0, maxLen - 1)) + 1;
}

const tables = new Map<number, Int32Array>();

/** [len, len] distance bucket of each (i, j), -1 above the diagonal; built once per len. */
function distanceTable(len: number): Int32Array {
  let t = tables.get(len);
  if (t === undefined) {
    t = new Int32Array(len * len).fill(-1);
    for (let i = 0; i < len; i++) for (let j = 0; j <= i; j++) t[i * len + j] = distanceBucket(i - j);
    tables.set(len, t);
  }
  return t;
}

/** Per-pair time buckets for a batch: `pairs[(b * len + i) * len + j]`, < 0 for none (padding, future). */
export interface PairTimes {
  /** [heads, time buckets]. */
  table: Tensor;
  pairs: Int32Array;
  batch: number;
}

export interface RelativeBiasOptions {
  /** [heads, distance buckets], or null for a time-only bias. */
  distances: Tensor | null;
  len: number;
  times?: PairTimes;
}

function checkTable(t: Tensor, heads: number, needed: number, what: string): void {
  if (t.shape.length !== 2 || t.shape[0] !== heads || t.shape[1] < needed) {
    throw new CurioError('BAD_INPUT', `${what} bias table [${t.shape}] needs [${heads}, >= ${needed}]`);
  }
}

function validate(o: RelativeBiasOptions): number {
  const heads = (o.distances ?? o.times?.table)?.shape[0];
  if (heads === undefined) throw new CurioError('BAD_INPUT', 'relativeBias needs a distance or a time table');
  if (o.distances) checkTable(o.distances, heads, distanceBuckets(o.len), 'distance');
  if (o.times) {
    const { table, pairs, batch } = o.times;
    if (pairs.length !== batch * o.len * o.len) {
      throw new CurioError('BAD_INPUT', `pair times hold ${pairs.length} entries, expected ${batch} x ${o.len} x ${o.len}`);
    }
    let top = -1;
    for (let k = 0; k < pairs.length; k++) if (pairs[k] > top) top = pairs[k];
    checkTable(table, heads, top + 1, 'time');
  }
  return heads;
}

/**
 * The additive attention bias: [heads, len, len] from distances alone (shared by the batch), or
 * [batch, heads, len, len] when pair times are given (bias = distance term + time term).
 */
export function relativeBias(o: RelativeBiasOptions): Tensor {
  const heads = validate(o);
  const { len, times } = o;
  const L2 = len * len;
  const dist = distanceTable(len);
  const batch = times ? times.batch : 1;
  const out = new Tensor(alloc(batch * heads * L2, false), times ? [batch, heads, len, len] : [heads, len, len]);
  const y = out.data;
  const dw = o.distances ? o.distances.shape[1] : 0;
  const tw = times ? times.table.shape[1] : 0;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const base = (b * heads + h) * L2;
      if (o.distances) {
        const d = o.distances.data;
        for (let k = 0; k < L2; k++) y[base + k] = dist[k] < 0 ? 0 : d[h * dw + dist[k]];
      } else y.fill(0, base, base + L2);
      if (times) {
        const t = times.table.data;
        const pairs = times.pairs;
        for (let k = 0; k < L2; k++) {
          const p = pairs[b * L2 + k];
          if (p >= 0 && dist[k] >= 0) y[base + k] += t[h * tw + p];
        }
      }
    }
  }
  const inputs = [o.distances, times?.table].filter((t): t is Tensor => t != null);
  return record(out, inputs, (g) => {
    const gd = o.distances?.requiresGrad ? gradBuffer(o.distances) : null;
    const gt = times?.table.requiresGrad ? gradBuffer(times.table) : null;
    for (let b = 0; b < batch; b++) {
      for (let h = 0; h < heads; h++) {
        const base = (b * heads + h) * L2;
        if (gd) for (let k = 0; k < L2; k++) if (dist[k] >= 0) gd[h * dw + dist[k]] += g[base + k];
        if (gt && times) {
          for (let k = 0; k < L2; k++) {
            const p = times.pairs[b * L2 + k];
            if (p >= 0 && dist[k] >= 0) gt[h * tw + p] += g[base + k];
          }
        }
      }
    }
  });
}
