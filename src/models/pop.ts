import { z } from 'zod';
import { weightTable, type SequenceDataset } from '../data/index.js';
import { artifactArray, defineModel } from './define-model.js';
import type { Recommender } from './recommender.js';

const params = z.object({
  halfLifeDays: z
    .number()
    .min(0)
    .default(0)
    .describe(
      'Time decay of counts: an event this many days older than the newest counts half. 0 = plain counts (also used when times are unknown).',
    ),
  weighted: z.boolean().default(true).describe('Count each event with its behaviour weight (FitOptions.eventWeights) instead of 1.'),
});
type PopParams = z.infer<typeof params>;

/** Most-popular: one global ranking by (optionally decayed, weighted) event counts. */
export const popModel = defineModel<PopParams>({
  id: 'pop',
  artifactVersion: 1,
  description: 'Most popular items (event counts, optional time decay); ignores the user.',
  capabilities: ['session'],
  params,
  searchSpace: {},
  fit(train, p, options) {
    return createPop(countPopularity(train, p, p.weighted ? weightTable(options.eventWeights) : null), p);
  },
  restore(artifact, p) {
    return createPop(artifactArray(artifact, 'scores', Float32Array, artifact.nItems), p);
  },
});

function countPopularity(train: SequenceDataset, p: PopParams, table: Float64Array | null): Float32Array {
  const w = table;
  let newest = Number.NEGATIVE_INFINITY;
  for (const t of train.timestampsMs) if (t > newest) newest = t;
  const decay = p.halfLifeDays > 0 && Number.isFinite(newest);
  const halfLifeMs = p.halfLifeDays * 86_400_000;
  const scores = new Float32Array(train.items.length);
  for (let e = 0; e < train.itemIdx.length; e++) {
    let v = w ? w[train.types[e]] : 1;
    if (decay) v *= Math.pow(0.5, (newest - train.timestampsMs[e]) / halfLifeMs);
    scores[train.itemIdx[e]] += v;
  }
  return scores;
}

function createPop(scores: Float32Array, p: PopParams): Recommender {
  return {
    id: 'pop',
    params: p,
    nItems: scores.length,
    scoreAll(_state, out = new Float32Array(scores.length)) {
      out.set(scores);
      return out;
    },
    toArtifact: () => ({ modelId: 'pop', artifactVersion: 1, params: p, nItems: scores.length, meta: {}, arrays: { scores } }),
  };
}
