import { z } from 'zod';
import { weightTable, type SequenceDataset } from '../data/index.js';
import { artifactArray, defineModel } from './define-model.js';
import { buildNeighbours, neighbourArrays, type NeighbourLists } from './neighbours.js';
import type { Recommender, UserState } from './recommender.js';
import { orderByScore } from './top-k.js';

const params = z.object({
  windowSize: z.number().int().min(1).default(3).describe('j counts as following i when it comes at most this many events later.'),
  distanceDecay: z.number().gt(0).max(1).default(0.5).describe('A follower d events later counts distanceDecay^(d-1).'),
  lastItems: z.number().int().min(1).default(3).describe('How many of the most recent items drive the scores.'),
  recencyDecay: z.number().gt(0).max(1).default(0.5).describe('The k-th most recent item weighs recencyDecay^k.'),
  neighbours: z.number().int().min(1).default(200).describe('Followers kept per item.'),
  popularityBackoff: z
    .number()
    .min(0)
    .default(0.001)
    .describe('Weight of normalised popularity added to every score (orders items no transition reaches).'),
});
type TransitionParams = z.infer<typeof params>;

/**
 * Item-to-item transitions for anonymous sessions: P(next = j | current = i) estimated from who followed
 * whom within a short window, summed over the last few items of the session with recency decay.
 */
export const transitionModel = defineModel<TransitionParams>({
  id: 'transition',
  artifactVersion: 1,
  description: 'Session model: decayed item-to-item transition probabilities from the last few items, popularity back-off.',
  capabilities: ['session', 'sequential'],
  params,
  searchSpace: { windowSize: [1, 3, 5], distanceDecay: [0.3, 0.6], lastItems: [1, 3, 5], recencyDecay: [0.3, 0.6, 0.9] },
  fit(train, p, options) {
    const table = weightTable(options.eventWeights);
    const lists = transitions(train, p, table);
    const pop = new Float32Array(train.items.length);
    for (let e = 0; e < train.itemIdx.length; e++) pop[train.itemIdx[e]] += table[train.types[e]];
    const max = pop.reduce((a, b) => (b > a || b !== b ? b : a), 0);
    for (let j = 0; j < pop.length; j++) pop[j] /= max || 1;
    return createTransition(lists, pop, p);
  },
  restore(artifact, p) {
    const lists = {
      indptr: artifactArray(artifact, 'trIndptr', Int32Array, artifact.nItems + 1),
      indices: artifactArray(artifact, 'trIndices', Int32Array),
      weights: artifactArray(artifact, 'trWeights', Float32Array),
    };
    return createTransition(lists, artifactArray(artifact, 'popularity', Float32Array, artifact.nItems), p);
  },
});

function transitions(train: SequenceDataset, p: TransitionParams, table: Float64Array): NeighbourLists {
  const nItems = train.items.length;
  // Events grouped by item, so that row i can be accumulated on its own.
  const starts = new Int32Array(nItems + 1);
  for (const i of train.itemIdx) starts[i + 1]++;
  for (let i = 0; i < nItems; i++) starts[i + 1] += starts[i];
  const fill = starts.slice(0, nItems);
  const events = new Int32Array(train.itemIdx.length);
  const ends = new Int32Array(train.itemIdx.length);
  for (let u = 0; u < train.offsets.length - 1; u++) {
    for (let e = train.offsets[u]; e < train.offsets[u + 1]; e++) {
      const at = fill[train.itemIdx[e]]++;
      events[at] = e;
      ends[at] = train.offsets[u + 1];
    }
  }
  const rowSums = new Float64Array(nItems);
  const lists = buildNeighbours(nItems, p.neighbours, (i, acc, touched) => {
    for (let q = starts[i]; q < starts[i + 1]; q++) {
      const e = events[q];
      for (let f = e + 1; f < Math.min(ends[q], e + 1 + p.windowSize); f++) {
        const j = train.itemIdx[f];
        const w = Math.pow(p.distanceDecay, f - e - 1) * table[train.types[f]];
        if (acc[j] === 0) touched.push(j);
        acc[j] += w;
        if (j !== i) rowSums[i] += w;
      }
    }
  });
  for (let i = 0; i < nItems; i++) {
    for (let q = lists.indptr[i]; q < lists.indptr[i + 1]; q++) lists.weights[q] /= rowSums[i];
  }
  return lists;
}

function createTransition(lists: NeighbourLists, pop: Float32Array, p: TransitionParams): Recommender {
  const nItems = pop.length;
  const prior = Float32Array.from(pop, (x) => p.popularityBackoff * x);
  let order: Int32Array | null = null;
  const written = new Int32Array(nItems);
  let generation = 0;
  /** The newest `lastItems` items with their recency weights, newest first. */
  const drivers = (state: UserState): Array<[item: number, weight: number]> => {
    const out: Array<[number, number]> = [];
    let w = 1;
    for (let h = state.items.length - 1; h >= Math.max(0, state.items.length - p.lastItems); h--) {
      out.push([state.items[h], w]);
      w *= p.recencyDecay;
    }
    return out;
  };
  /** Adds the state's transition terms to `scores` and returns the items written, each once. */
  const addTerms = (state: UserState, scores: Float32Array): Int32Array => {
    // Generation marks list each written item once without clearing an array per call.
    if (++generation === 0x7fffffff) {
      written.fill(0);
      generation = 1;
    }
    const changed: number[] = [];
    for (const [item, w] of drivers(state)) {
      for (let q = lists.indptr[item]; q < lists.indptr[item + 1]; q++) {
        const j = lists.indices[q];
        scores[j] += w * lists.weights[q];
        if (written[j] !== generation) {
          written[j] = generation;
          changed.push(j);
        }
      }
    }
    return Int32Array.from(changed);
  };
  return {
    id: 'transition',
    params: p,
    nItems,
    // One code path for the terms: the dense and the sparse scores are the same float32 additions.
    scoreAll(state, out = new Float32Array(nItems)) {
      out.set(prior);
      addTerms(state, out);
      return out;
    },
    sparse: { prior, priorOrder: () => (order ??= orderByScore(prior)), addTerms },
    toArtifact: () => ({
      modelId: 'transition',
      artifactVersion: 1,
      params: p,
      nItems,
      meta: {},
      arrays: { ...neighbourArrays('tr', lists), popularity: pop },
    }),
  };
}
