import { z } from 'zod';
import { transpose, userItemMatrix, type CsrMatrix, type SequenceDataset } from '../data/index.js';
import { artifactArray, defineModel } from './define-model.js';
import { historyWeights } from './history-weights.js';
import { addNeighbours, buildNeighbours, neighbourArrays, type NeighbourLists } from './neighbours.js';
import type { Recommender } from './recommender.js';

const params = z.object({
  similarity: z
    .enum(['cosine', 'covisit'])
    .default('cosine')
    .describe('cosine over user vectors, or co-visitation counts within a window of the sequence.'),
  neighbours: z.number().int().min(1).default(100).describe('Neighbours kept per item.'),
  shrink: z.number().min(0).default(10).describe('Added to the cosine denominator; damps similarities from few co-occurrences.'),
  windowSize: z.number().int().min(1).default(5).describe('covisit: events at most this far apart in a sequence co-visit.'),
  distanceDecay: z.number().gt(0).max(1).default(0.7).describe('covisit: a pair d events apart counts distanceDecay^(d-1).'),
  recencyDecay: z.number().gt(0).max(1).default(0.8).describe('When scoring, the k-th most recent history item weighs recencyDecay^k.'),
});
type ItemKnnParams = z.infer<typeof params>;

/** Item-to-item neighbourhood model (cosine or co-visitation with sequence-distance decay). */
export const itemKnnModel = defineModel<ItemKnnParams>({
  id: 'itemknn',
  artifactVersion: 1,
  description: 'Item-kNN: cosine or co-visitation neighbours, scored from the recency-weighted history.',
  capabilities: ['session', 'sequential'],
  params,
  searchSpace: { similarity: ['cosine', 'covisit'], neighbours: [50, 200], shrink: [0, 10, 50], recencyDecay: [0.5, 0.8, 1] },
  fit(train, p, options) {
    const lists =
      p.similarity === 'cosine' ? cosineNeighbours(userItemMatrix(train, options.eventWeights), p) : covisitNeighbours(train, p);
    return createItemKnn(lists, train.items.length, p);
  },
  restore(artifact, p) {
    const lists = {
      indptr: artifactArray(artifact, 'nbIndptr', Int32Array, artifact.nItems + 1),
      indices: artifactArray(artifact, 'nbIndices', Int32Array),
      weights: artifactArray(artifact, 'nbWeights', Float32Array),
    };
    return createItemKnn(lists, artifact.nItems, p);
  },
});

function cosineNeighbours(m: CsrMatrix, p: ItemKnnParams): NeighbourLists {
  const byItem = transpose(m);
  const norms = new Float64Array(m.nCols);
  for (let k = 0; k < m.values.length; k++) norms[m.indices[k]] += m.values[k] * m.values[k];
  for (let i = 0; i < norms.length; i++) norms[i] = Math.sqrt(norms[i]);
  return buildNeighbours(
    m.nCols,
    p.neighbours,
    (i, acc, touched) => {
      for (let q = byItem.indptr[i]; q < byItem.indptr[i + 1]; q++) {
        const u = byItem.indices[q];
        const wi = byItem.values[q];
        for (let r = m.indptr[u]; r < m.indptr[u + 1]; r++) {
          const j = m.indices[r];
          if (acc[j] === 0) touched.push(j);
          acc[j] += wi * m.values[r];
        }
      }
    },
    (i, j, raw) => raw / (norms[i] * norms[j] + p.shrink),
  );
}

function covisitNeighbours(train: SequenceDataset, p: ItemKnnParams): NeighbourLists {
  // Pairs (i before j, or j before i) within the window, grouped by item through an event index.
  const counts = new Float64Array(train.items.length);
  for (const i of train.itemIdx) counts[i]++;
  const byItem = eventsByItem(train);
  return buildNeighbours(
    train.items.length,
    p.neighbours,
    (i, acc, touched) => {
      for (let q = byItem.indptr[i]; q < byItem.indptr[i + 1]; q++) {
        const [e, start, end] = [byItem.events[q], byItem.starts[q], byItem.ends[q]];
        for (let f = Math.max(start, e - p.windowSize); f < Math.min(end, e + p.windowSize + 1); f++) {
          if (f === e) continue;
          const j = train.itemIdx[f];
          if (acc[j] === 0) touched.push(j);
          acc[j] += Math.pow(p.distanceDecay, Math.abs(f - e) - 1);
        }
      }
    },
    (i, j, raw) => raw / Math.sqrt(counts[i] * counts[j]),
  );
}

function eventsByItem(train: SequenceDataset): { indptr: Int32Array; events: Int32Array; starts: Int32Array; ends: Int32Array } {
  const n = train.items.length;
  const indptr = new Int32Array(n + 1);
  for (const i of train.itemIdx) indptr[i + 1]++;
  for (let i = 0; i < n; i++) indptr[i + 1] += indptr[i];
  const fill = indptr.slice(0, n);
  const events = new Int32Array(train.itemIdx.length);
  const starts = new Int32Array(events.length);
  const ends = new Int32Array(events.length);
  for (let u = 0; u < train.offsets.length - 1; u++) {
    for (let e = train.offsets[u]; e < train.offsets[u + 1]; e++) {
      const at = fill[train.itemIdx[e]]++;
      events[at] = e;
      starts[at] = train.offsets[u];
      ends[at] = train.offsets[u + 1];
    }
  }
  return { indptr, events, starts, ends };
}

function createItemKnn(lists: NeighbourLists, nItems: number, p: ItemKnnParams): Recommender {
  return {
    id: 'itemknn',
    params: p,
    nItems,
    scoreAll(state, out = new Float32Array(nItems)) {
      out.fill(0);
      const w = historyWeights(state, p.recencyDecay);
      for (let h = 0; h < state.items.length; h++) addNeighbours(lists, state.items[h], w[h], out);
      return out;
    },
    toArtifact: () => ({ modelId: 'itemknn', artifactVersion: 1, params: p, nItems, meta: {}, arrays: neighbourArrays('nb', lists) }),
  };
}
