import { z } from 'zod';
import { createRng } from '../core/index.js';
import { transpose, userItemMatrix, type CsrMatrix } from '../data/index.js';
import { artifactArray, assertFiniteLoss, defineModel } from './define-model.js';
import { trainWithEarlyStopping } from './early-stopping.js';
import { clearFactorRow, initFactors, scoreFactors, snapshot } from './factors.js';
import { historyWeights } from './history-weights.js';
import type { Recommender } from './recommender.js';

const params = z.object({
  factors: z.number().int().min(1).max(1024).default(64).describe('Latent dimensions.'),
  regularization: z.number().min(0).default(1).describe('L2 penalty λ on both factor matrices.'),
  alpha: z.number().min(0).default(10).describe('Confidence c = 1 + alpha · (summed behaviour weight of the pair).'),
  iterations: z.number().int().min(1).default(15).describe('Alternating passes (users then items).'),
  cgSteps: z.number().int().min(1).default(3).describe('Conjugate-gradient steps per row per pass (warm-started).'),
  initScale: z.number().gt(0).default(0.01).describe('Standard deviation of the initial factors.'),
});
type IalsParams = z.infer<typeof params>;

/**
 * Implicit ALS (Hu, Koren, Volinsky 2008) solved with a few warm-started conjugate-gradient steps per
 * row (Takács, Pilászy, Tikk 2011), so a pass costs O(nnz·d + rows·d²) instead of a d³ solve per row.
 */
export const ialsModel = defineModel<IalsParams>({
  id: 'ials',
  artifactVersion: 1,
  description: 'Implicit-feedback ALS with confidence weights, conjugate-gradient solver; folds in unknown users.',
  capabilities: ['user-embedding', 'session', 'epochs'],
  params,
  searchSpace: { factors: [32, 64, 128], regularization: [0.1, 1, 10], alpha: [1, 10, 40] },
  testParams: { factors: 16, iterations: 8 },
  fit(train, p, options) {
    const byUser = userItemMatrix(train, options.eventWeights);
    const byItem = transpose(byUser);
    const rng = createRng(options.seed);
    const s = {
      userFactors: initFactors(rng, byUser.nRows, p.factors, p.initScale),
      itemFactors: initFactors(rng, byUser.nCols, p.factors, p.initScale),
    };
    let best = snapshot(s);
    trainWithEarlyStopping({
      epochs: p.iterations,
      options,
      runEpoch: (epoch) => {
        solveSide(byUser, s.itemFactors, s.userFactors, p);
        solveSide(byItem, s.userFactors, s.itemFactors, p);
        const loss = ialsLoss(byUser, s.userFactors, s.itemFactors, p);
        assertFiniteLoss('ials', epoch, loss);
        return loss;
      },
      model: () => createIals(s.userFactors, s.itemFactors, p),
      save: () => (best = snapshot(s)),
      restore: () => Object.assign(s, best),
    });
    return createIals(s.userFactors, s.itemFactors, p);
  },
  restore(artifact, p) {
    return createIals(
      artifactArray(artifact, 'userFactors', Float32Array),
      artifactArray(artifact, 'itemFactors', Float32Array, artifact.nItems * p.factors),
      p,
    );
  },
  clearUserRow: clearFactorRow,
});

/** Gram matrix YᵀY (d×d) of the fixed side. */
function gram(Y: Float32Array, d: number): Float64Array {
  const g = new Float64Array(d * d);
  for (let o = 0; o < Y.length; o += d) {
    for (let a = 0; a < d; a++) {
      const ya = Y[o + a];
      for (let b = a; b < d; b++) g[a * d + b] += ya * Y[o + b];
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) g[a * d + b] = g[b * d + a];
  return g;
}

/** Updates every row of X given the fixed Y, for the rows × cols confidence matrix m. */
function solveSide(m: CsrMatrix, Y: Float32Array, X: Float32Array, p: IalsParams): void {
  const d = p.factors;
  const G = gram(Y, d);
  const work = createCgWork(d);
  for (let r = 0; r < m.nRows; r++) {
    const x = X.subarray(r * d, (r + 1) * d);
    conjugateGradient({
      G,
      Y,
      d,
      cols: m.indices.subarray(m.indptr[r], m.indptr[r + 1]),
      conf: m.values.subarray(m.indptr[r], m.indptr[r + 1]),
      p,
      x,
      work,
    });
  }
}

function createCgWork(d: number): { r: Float64Array; dir: Float64Array; ad: Float64Array } {
  return { r: new Float64Array(d), dir: new Float64Array(d), ad: new Float64Array(d) };
}

interface CgArgs {
  G: Float64Array;
  Y: Float32Array;
  d: number;
  cols: Int32Array;
  conf: Float32Array;
  p: IalsParams;
  x: Float32Array | Float64Array;
  work: { r: Float64Array; dir: Float64Array; ad: Float64Array };
}

// out = (G + Yᵀ(C - I)Y + λI) v
function applyA(a: CgArgs, v: Float64Array | Float32Array, out: Float64Array): void {
  const { G, Y, d, cols, conf, p } = a;
  for (let i = 0; i < d; i++) {
    let s = p.regularization * v[i];
    for (let j = 0; j < d; j++) s += G[i * d + j] * v[j];
    out[i] = s;
  }
  for (let k = 0; k < cols.length; k++) {
    const o = cols[k] * d;
    let yv = 0;
    for (let f = 0; f < d; f++) yv += Y[o + f] * v[f];
    const c = p.alpha * conf[k] * yv;
    for (let f = 0; f < d; f++) out[f] += c * Y[o + f];
  }
}

/** A few CG steps on A x = Yᵀ C p, warm-started from x. */
function conjugateGradient(a: CgArgs): void {
  const { d, cols, conf, Y, p, x, work } = a;
  const { r, dir, ad } = work;
  applyA(a, x, ad);
  for (let f = 0; f < d; f++) r[f] = -ad[f];
  for (let k = 0; k < cols.length; k++) {
    const o = cols[k] * d;
    const c = 1 + p.alpha * conf[k];
    for (let f = 0; f < d; f++) r[f] += c * Y[o + f];
  }
  dir.set(r);
  let rr = dot(r, r);
  for (let step = 0; step < p.cgSteps && rr > 1e-20; step++) {
    applyA(a, dir, ad);
    const alpha = rr / dot(dir, ad);
    for (let f = 0; f < d; f++) {
      x[f] += alpha * dir[f];
      r[f] -= alpha * ad[f];
    }
    const next = dot(r, r);
    for (let f = 0; f < d; f++) dir[f] = r[f] + (next / rr) * dir[f];
    rr = next;
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

/** The weighted squared loss Σ c(p - xᵀy)² + λ(‖X‖² + ‖Y‖²), per user, in O(nnz·d + users·d²). */
function ialsLoss(m: CsrMatrix, X: Float32Array, Y: Float32Array, p: IalsParams): number {
  const d = p.factors;
  const G = gram(Y, d);
  let loss = 0;
  for (let u = 0; u < m.nRows; u++) {
    const o = u * d;
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) loss += X[o + a] * G[a * d + b] * X[o + b];
    for (let k = m.indptr[u]; k < m.indptr[u + 1]; k++) {
      const io = m.indices[k] * d;
      let s = 0;
      for (let f = 0; f < d; f++) s += X[o + f] * Y[io + f];
      const c = 1 + p.alpha * m.values[k];
      loss += c * (1 - s) * (1 - s) - s * s;
    }
  }
  let norms = 0;
  for (const v of X) norms += v * v;
  for (const v of Y) norms += v * v;
  return (loss + p.regularization * norms) / Math.max(1, m.nRows);
}

function createIals(userFactors: Float32Array, itemFactors: Float32Array, p: IalsParams): Recommender {
  const d = p.factors;
  const nItems = itemFactors.length / d;
  const nUsers = userFactors.length / d;
  let G: Float64Array | null = null;
  return {
    id: 'ials',
    params: p,
    nItems,
    scoreAll(state, out = new Float32Array(nItems)) {
      if (state.user !== undefined && state.user < nUsers)
        return scoreFactors(userFactors.subarray(state.user * d, (state.user + 1) * d), itemFactors, d, out);
      // Fold-in: the exact user step of ALS for this history, from zero.
      G ??= gram(itemFactors, d);
      const conf = Float32Array.from(historyWeights(state, 1));
      const x = new Float64Array(d);
      conjugateGradient({
        G,
        Y: itemFactors,
        d,
        cols: state.items,
        conf,
        p: { ...p, cgSteps: Math.max(p.cgSteps, 10) },
        x,
        work: createCgWork(d),
      });
      return scoreFactors(x, itemFactors, d, out);
    },
    toArtifact: () => ({
      modelId: 'ials',
      artifactVersion: 1,
      params: p,
      nItems,
      meta: { users: nUsers },
      arrays: { userFactors, itemFactors },
    }),
  };
}
