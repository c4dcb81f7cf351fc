import { z } from 'zod';
import { createRng } from '../core/index.js';
import { userItemMatrix } from '../data/index.js';
import { artifactArray, assertFiniteLoss, defineModel } from './define-model.js';
import { bprEpoch, rowOfEntry, tripleBuffers, type BprState } from './bpr-sgd.js';
import { trainWithEarlyStopping } from './early-stopping.js';
import { clearFactorRow, foldInMean, initFactors, scoreFactors, snapshot } from './factors.js';
import { historyWeights } from './history-weights.js';
import type { Recommender } from './recommender.js';

const params = z.object({
  factors: z.number().int().min(1).max(1024).default(64).describe('Latent dimensions.'),
  learningRate: z.number().gt(0).default(0.1).describe('SGD step size.'),
  regularization: z.number().min(0).default(0.01).describe('L2 penalty on the factors touched by a step.'),
  epochs: z
    .number()
    .int()
    .min(1)
    .default(300)
    .describe('Maximum passes (early stopping on validation ends most runs sooner); one pass = as many sampled triples as positive pairs.'),
  initScale: z.number().gt(0).default(0.01).describe('Standard deviation of the initial factors.'),
});
type BprParams = z.infer<typeof params>;

/** BPR-MF (Rendle et al. 2009): SGD on sampled (user, positive, negative) triples, weighted by behaviour. */
export const bprModel = defineModel<BprParams>({
  id: 'bpr',
  artifactVersion: 1,
  description: 'BPR matrix factorisation with item bias, uniform negative sampling, early stopping on validation.',
  capabilities: ['user-embedding', 'epochs'],
  params,
  searchSpace: { factors: [64, 128], learningRate: [0.05, 0.1, 0.2], regularization: [0.003, 0.01, 0.03] },
  testParams: { factors: 16, epochs: 30, learningRate: 0.05 },
  fit(train, p, options) {
    const m = userItemMatrix(train, options.eventWeights);
    const rng = createRng(options.seed);
    const state: BprState = {
      userFactors: initFactors(rng, m.nRows, p.factors, p.initScale),
      itemFactors: initFactors(rng, m.nCols, p.factors, p.initScale),
      itemBias: new Float32Array(m.nCols),
    };
    const rows = rowOfEntry(m);
    const buf = tripleBuffers(m.indices.length);
    const step = { factors: p.factors, learningRate: p.learningRate, regularization: p.regularization };
    let best = snapshot(state);
    trainWithEarlyStopping({
      epochs: p.epochs,
      options,
      runEpoch: (epoch) => {
        const loss = bprEpoch(m, rows, state, { step, rng, buf });
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
  clearUserRow: clearFactorRow,
});

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
