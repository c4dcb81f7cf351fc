/**
 * The BPR training epoch, split in two passes so the hot loop does nothing but arithmetic:
 * 1. `sampleTriples` draws every (entry, negative) pair of the epoch up front with an inlined
 *    xorshift generator (no closure calls, no allocation);
 * 2. `sgdPass` runs the fused score + update loop over Float32Array factors.
 * `bench/bpr-epoch.ts` times exactly `bprEpoch`, the function the model trains with.
 */
import type { Rng } from '../core/index.js';
import type { CsrMatrix } from '../data/index.js';

/** The model's trainable arrays (row-major, `factors` per row). */
export type BprState = {
  userFactors: Float32Array;
  itemFactors: Float32Array;
  itemBias: Float32Array;
};

/** Step settings of one epoch. */
export interface BprStep {
  factors: number;
  learningRate: number;
  regularization: number;
}

/** Reusable per-epoch buffers: entry index (a positive (user, item) cell) and negative item per step. */
export interface TripleBuffers {
  entries: Int32Array;
  negatives: Int32Array;
}

/** Buffers for `pairs` steps (allocate once per fit, not per epoch). */
export function tripleBuffers(pairs: number): TripleBuffers {
  return { entries: new Int32Array(pairs), negatives: new Int32Array(pairs) };
}

/** The user row of every stored entry of a CSR matrix. */
export function rowOfEntry(m: CsrMatrix): Int32Array {
  const rows = new Int32Array(m.indices.length);
  for (let u = 0; u < m.nRows; u++) rows.fill(u, m.indptr[u], m.indptr[u + 1]);
  return rows;
}

/**
 * Fills `buf` with uniform positive entries and, per entry, a uniform item that is not one of the
 * user's positives (rejection with a binary search in the user's sorted row; after 64 misses a
 * positive is accepted so a user who holds almost everything cannot stall the epoch).
 */
export function sampleTriples(m: CsrMatrix, rows: Int32Array, buf: TripleBuffers, seed: number): void {
  const { indptr, indices, nCols } = m;
  const nEntries = indices.length;
  const { entries, negatives } = buf;
  let x = seed | 0 || 0x2545f491; // xorshift32 state; never 0
  for (let s = 0; s < entries.length; s++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const k = Math.floor(((x >>> 0) * nEntries) / 4294967296);
    entries[s] = k;
    const u = rows[k];
    const from = indptr[u];
    const to = indptr[u + 1];
    let j = 0;
    for (let tries = 0; tries < 64; tries++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      j = Math.floor(((x >>> 0) * nCols) / 4294967296);
      let lo = from;
      let hi = to - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (indices[mid] < j) lo = mid + 1;
        else hi = mid - 1;
      }
      if (lo >= to || indices[lo] !== j) break;
    }
    negatives[s] = j;
  }
}

/**
 * One SGD step per sampled triple on -log σ(x_ui - x_uj), scaled by the behaviour weight of the
 * positive cell, with L2 shrinkage of the touched rows. Returns the mean loss before each step.
 */
export function sgdPass(m: CsrMatrix, rows: Int32Array, s: BprState, buf: TripleBuffers, step: BprStep): number {
  const d = step.factors;
  const { userFactors: U, itemFactors: V, itemBias: B } = s;
  const { indices, values } = m;
  const { entries, negatives } = buf;
  const lr = step.learningRate;
  const decay = 1 - lr * step.regularization;
  let loss = 0;
  for (let t = 0; t < entries.length; t++) {
    const k = entries[t];
    const i = indices[k];
    const j = negatives[t];
    const uo = rows[k] * d;
    const io = i * d;
    const jo = j * d;
    const x = B[i] - B[j] + dotDiff(U, uo, V, io, jo, d);
    // σ(-x) is the gradient scale; softplus(-x) the loss, both from one exp.
    const e = Math.exp(-x);
    const far = x < -30; // e overflows there: loss ≈ -x, σ(-x) ≈ 1
    loss += far ? -x : Math.log1p(e);
    const g = values[k] * lr * (far ? 1 : e / (1 + e));
    B[i] = B[i] * decay + g;
    B[j] = B[j] * decay - g;
    for (let f = 0; f < d; f++) {
      const uf = U[uo + f];
      const vi = V[io + f];
      const vj = V[jo + f];
      U[uo + f] = uf * decay + g * (vi - vj);
      V[io + f] = vi * decay + g * uf;
      V[jo + f] = vj * decay - g * uf;
    }
  }
  return loss / Math.max(1, entries.length);
}

// u · (v_i - v_j) with four accumulators: shorter dependency chains, which V8 runs faster than one (docs/benchmarks.md).
function dotDiff(U: Float32Array, uo: number, V: Float32Array, io: number, jo: number, d: number): number {
  let x0 = 0,
    x1 = 0,
    x2 = 0,
    x3 = 0;
  let f = 0;
  for (; f + 3 < d; f += 4) {
    x0 += U[uo + f] * (V[io + f] - V[jo + f]);
    x1 += U[uo + f + 1] * (V[io + f + 1] - V[jo + f + 1]);
    x2 += U[uo + f + 2] * (V[io + f + 2] - V[jo + f + 2]);
    x3 += U[uo + f + 3] * (V[io + f + 3] - V[jo + f + 3]);
  }
  for (; f < d; f++) x0 += U[uo + f] * (V[io + f] - V[jo + f]);
  return x0 + x1 + x2 + x3;
}

/** One epoch: sample `buf.entries.length` triples with a seed drawn from `rng`, then the SGD pass. */
export function bprEpoch(m: CsrMatrix, rows: Int32Array, s: BprState, args: { step: BprStep; rng: Rng; buf: TripleBuffers }): number {
  sampleTriples(m, rows, args.buf, args.rng.int(4294967296));
  return sgdPass(m, rows, s, args.buf, args.step);
}
