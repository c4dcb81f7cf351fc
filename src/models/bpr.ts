import { z } from 'zod';
import { createRng, type Rng } from '../core/index.js';
import { userItemMatrix, type CsrMatrix } from '../data/index.js';
import { artifactArray, assertFiniteLoss, defineModel } from './define-model.js';
import { trainWithEarlyStopping } from './early-stopping.js';
import { foldInMean, initFactors, scoreFactors, snapshot } from './factors.js';
import { historyWeights } from './history-weights.js';
import type { Recommender } from './recommender.js';

const params = z.object({
  factors: z.number().int().min(1).max(1024).default(64).describe('Latent dimensions.'),
  learningRate: z.number().gt(0).default(0.05).describe('SGD step size.'),
  regularization: z.number().min(0).default(0.001).describe('L2 penalty on the factors touched by a step.'),
  epochs: z.number().int().min(1).default(40).describe('Passes; one pass = as many sampled triples as positive pairs.'),
  initScale: z.number().gt(0).default(0.01).describe('Standard deviation of the initial factors.'),
});
type BprParams = z.infer<typeof params>;

type BprState = {
  userFactors: Float32Array;
  itemFactors: Float32Array;
  itemBias: Float32Array;
};

/** BPR-MF (Rendle et al. 2009): SGD on sampled (user, positive, negative) triples, weighted by behaviour. */
export const bprModel = defineModel<BprParams>({
  id: 'bpr',
  artifactVersion: 1,
  description: 'BPR matrix factorisation with item bias, uniform negative sampling, early stopping on validation.',
  capabilities: ['user-embedding', 'epochs'],
  params,
  searchSpace: { factors: [32, 64, 128], learningRate: [0.02, 0.05, 0.1], regularization: [0.0001, 0.001, 0.01] },
  fit(train, p, options) {
    const m = userItemMatrix(train, options.eventWeights);
    const rng = createRng(options.seed);
    const state: BprState = {
      userFactors: initFactors(rng, m.nRows, p.factors, p.initScale),
      itemFactors: initFactors(rng, m.nCols, p.factors, p.initScale),
      itemBias: new Float32Array(m.nCols),
    };
    const rows = rowOfEntry(m);
    let best = snapshot(state);
    trainWithEarlyStopping({
      epochs: p.epochs,
      options,
      runEpoch: (epoch) => {
        const loss = bprEpoch(m, rows, state, { p, rng, pairs: m.indices.length });
        assertFiniteLoss('bpr', epoch, loss);
        return loss;
      },
      model: () => createBpr(state, m.nCols, p),
      save: () => (best = snapshot(state)),
      restore: () => Object.assign(state, best),
    });
    return createBpr(state, m.nCols, p);
  },
  restore(artifact, p) {
    const itemFactors = artifactArray(artifact, 'itemFactors', Float32Array, artifact.nItems * p.factors);
    const userFactors = artifactArray(artifact, 'userFactors', Float32Array);
    const itemBias = artifactArray(artifact, 'itemBias', Float32Array, artifact.nItems);
    return createBpr({ userFactors, itemFactors, itemBias }, artifact.nItems, p);
  },
});

function rowOfEntry(m: CsrMatrix): Int32Array {
  const rows = new Int32Array(m.indices.length);
  for (let u = 0; u < m.nRows; u++) rows.fill(u, m.indptr[u], m.indptr[u + 1]);
  return rows;
}

/** One epoch of `pairs` SGD steps; returns the mean BPR loss -log σ(x_ui - x_uj). */
export function bprEpoch(m: CsrMatrix, rows: Int32Array, s: BprState, args: { p: BprParams; rng: Rng; pairs: number }): number {
  const { p, rng, pairs } = args;
  const d = p.factors;
  const { userFactors: U, itemFactors: V, itemBias: B } = s;
  const lr = p.learningRate;
  const reg = p.regularization;
  const { indptr, indices, values, nCols } = m;
  let loss = 0;
  for (let step = 0; step < pairs; step++) {
    const k = rng.int(indices.length);
    const u = rows[k];
    const i = indices[k];
    const j = negativeFor(rng, nCols, indices, indptr[u], indptr[u + 1]);
    const uo = u * d, io = i * d, jo = j * d;
    let x = B[i] - B[j];
    for (let f = 0; f < d; f++) x += U[uo + f] * (V[io + f] - V[jo + f]);
    // σ(-x) is the gradient scale; the behaviour weight of the pair scales the step.
    const ex = Math.exp(x);
    const g = (values[k] * lr) / (1 + ex);
    loss += x < -30 ? -x : Math.log1p(1 / ex);
    const decay = 1 - lr * reg;
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
  return loss / Math.max(1, pairs);
}

/** A uniform item not among the user's positives indices[from..to) (ascending); rejection + binary search. */
function negativeFor(rng: Rng, nItems: number, indices: Int32Array, from: number, to: number): number {
  for (let tries = 0; tries < 100; tries++) {
    const j = rng.int(nItems);
    let lo = from;
    let hi = to - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (indices[mid] < j) lo = mid + 1;
      else hi = mid - 1;
    }
    if (lo >= to || indices[lo] !== j) return j;
  }
  return rng.int(nItems); // a user who holds almost everything: accept a positive rather than loop
}

function createBpr(s: BprState, nItems: number, p: BprParams): Recommender {
  const d = p.factors;
  const nUsers = s.userFactors.length / d;
  return {
    id: 'bpr',
    params: p,
    nItems,
    scoreAll(state, out = new Float32Array(nItems)) {
      const user =
        state.user !== undefined && state.user < nUsers
          ? s.userFactors.subarray(state.user * d, (state.user + 1) * d)
          : foldInMean(s.itemFactors, d, state.items, historyWeights(state, 0.8));
      return scoreFactors(user, s.itemFactors, d, out, s.itemBias);
    },
    toArtifact: () => ({
      modelId: 'bpr',
      artifactVersion: 1,
      params: p,
      nItems,
      meta: { users: nUsers },
      arrays: { userFactors: s.userFactors, itemFactors: s.itemFactors, itemBias: s.itemBias },
    }),
  };
}
