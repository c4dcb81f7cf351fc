import { z } from 'zod';
import { CurioError } from '../core/index.js';
import { userCount, weightTable, type SequenceDataset } from '../data/index.js';
import type { ModelArtifact } from './artifact.js';
import { artifactArray, defineModel } from './define-model.js';
import type { Recommender, UserState } from './recommender.js';
import { newestDistinctItems, rowsWithin } from './user-history.js';

const params = z.object({
  lastItems: z
    .number()
    .int()
    .min(1)
    .default(10)
    .describe('How many of the most recent events describe the state; the newest weighs most, the oldest 1/lastItems.'),
  sessionsPerItem: z
    .number()
    .int()
    .min(1)
    .default(500)
    .describe('The newest training sequences kept per item: the only ones a state holding that item can meet.'),
  neighbours: z.number().int().min(1).default(100).describe('Nearest training sequences whose items are scored.'),
  sequenceItems: z
    .number()
    .int()
    .min(1)
    .default(200)
    .describe("Distinct items kept of each training sequence, newest first (bounds the model's size)."),
});
type SknnParams = z.infer<typeof params>;

/**
 * A training sequence per row (one per training user, rows of users no item list reaches left empty), and for
 * each item the newest sequences that hold it. `seqItems` is -1 where an erasure emptied a row, and
 * `itemSeqs` -1 where it removed the row from an item's list.
 */
interface Sequences {
  seqIndptr: Int32Array;
  seqItems: Int32Array;
  /** Each kept item's weight in its sequence: the summed behaviour weights of its events there (a repeat counts). */
  seqWeights: Float32Array;
  /** Each row's summed weights, the size its similarity is normalised by. */
  seqMass: Float32Array;
  itemSeqIndptr: Int32Array;
  itemSeqs: Int32Array;
  /** The item's weight in each listed sequence (its `seqWeights` entry), so overlaps need no lookup. */
  itemSeqWeights: Float32Array;
}

/**
 * Session-based k-nearest neighbours (SKNN with V-SKNN's recency weights): the training sequences that share
 * most of the state's recent items, weighted toward the newest, vote for their own items. Strong on short,
 * session-like histories where a learned model has little to go on. It keeps each training user's sequence,
 * so an erasure clears that user's row (`clearUserRow`).
 */
export const sknnModel = defineModel<SknnParams>({
  id: 'sknn',
  artifactVersion: 1,
  description: "Session kNN: the items of the training sequences nearest to the state's recent items (SKNN, V-SKNN weights).",
  capabilities: ['session', 'sequential'],
  params,
  searchSpace: { lastItems: [5, 10, 20], sessionsPerItem: [200, 500, 1000], neighbours: [50, 100, 200] },
  testParams: { sessionsPerItem: 50, neighbours: 20 },
  fit(train, p, options) {
    return createSknn(buildSequences(train, p, weightTable(options.eventWeights)), train.items.length, p);
  },
  restore(artifact, p) {
    return createSknn(sequencesOf(artifact), artifact.nItems, p);
  },
  clearUserRow(artifact, row) {
    // Unchecked reads suffice here (a bad index reads undefined and writes nowhere); checking the whole
    // artifact again for every erased row would repeat restore's scan once per row.
    const s = arraysOf(artifact);
    if (row < 0 || row >= s.seqIndptr.length - 1) return false;
    for (let q = s.seqIndptr[row]; q < s.seqIndptr[row + 1]; q++) {
      const item = s.seqItems[q];
      if (item < 0) continue;
      for (let r = s.itemSeqIndptr[item]; r < s.itemSeqIndptr[item + 1]; r++) if (s.itemSeqs[r] === row) s.itemSeqs[r] = -1;
      s.seqItems[q] = -1;
      s.seqWeights[q] = 0;
    }
    s.seqMass[row] = 0;
    return true;
  },
});

/** The artifact's arrays, each of its type and length. */
function arraysOf(artifact: ModelArtifact): Sequences {
  const seqIndptr = artifactArray(artifact, 'seqIndptr', Int32Array);
  const seqItems = artifactArray(artifact, 'seqItems', Int32Array);
  const itemSeqs = artifactArray(artifact, 'itemSeqs', Int32Array);
  return {
    seqIndptr,
    seqItems,
    seqWeights: artifactArray(artifact, 'seqWeights', Float32Array, seqItems.length),
    seqMass: artifactArray(artifact, 'seqMass', Float32Array, seqIndptr.length - 1),
    itemSeqIndptr: artifactArray(artifact, 'itemSeqIndptr', Int32Array, artifact.nItems + 1),
    itemSeqs,
    itemSeqWeights: artifactArray(artifact, 'itemSeqWeights', Float32Array, itemSeqs.length),
  };
}

/** The artifact's arrays, refused (BAD_INPUT) when an index points outside them: scoring reads them unchecked. */
function sequencesOf(artifact: ModelArtifact): Sequences {
  const s = arraysOf(artifact);
  if (!rowsWithin(s.seqIndptr, s.seqItems, artifact.nItems) || !rowsWithin(s.itemSeqIndptr, s.itemSeqs, s.seqIndptr.length - 1)) {
    throw new CurioError('BAD_INPUT', 'artifact of sknn has inconsistent row pointers or an index out of range');
  }
  return s;
}

function buildSequences(train: SequenceDataset, p: SknnParams, table: Float64Array): Sequences {
  const nUsers = userCount(train);
  const nItems = train.items.length;
  const at = new Int32Array(nItems).fill(-1);
  const rows = Array.from({ length: nUsers }, (_, u) => newestDistinctItems(train, u, p.sequenceItems, table, at));
  // Newest sequences first, by their last event; those without a time come last, and ties (files without
  // times) keep their order, later = newer.
  const lastTime = (u: number) => {
    const t = train.offsets[u + 1] > train.offsets[u] ? train.timestampsMs[train.offsets[u + 1] - 1] : Number.NaN;
    return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
  };
  const order = Array.from({ length: nUsers }, (_, u) => u).sort((a, b) => lastTime(b) - lastTime(a) || b - a);
  const lists: number[][] = Array.from({ length: nItems }, () => []);
  const listWeights: number[][] = Array.from({ length: nItems }, () => []);
  const reached = new Uint8Array(nUsers);
  for (const u of order) {
    rows[u].items.forEach((i, k) => {
      if (lists[i].length < p.sessionsPerItem) {
        lists[i].push(u);
        listWeights[i].push(rows[u].weights[k]);
        reached[u] = 1;
      }
    });
  }
  const seqIndptr = new Int32Array(nUsers + 1);
  for (let u = 0; u < nUsers; u++) seqIndptr[u + 1] = seqIndptr[u] + (reached[u] ? rows[u].items.length : 0);
  const seqItems = new Int32Array(seqIndptr[nUsers]);
  const seqWeights = new Float32Array(seqItems.length);
  const seqMass = new Float32Array(nUsers);
  for (let u = 0; u < nUsers; u++) {
    if (!reached[u]) continue;
    seqItems.set(rows[u].items, seqIndptr[u]);
    seqWeights.set(rows[u].weights, seqIndptr[u]);
    seqMass[u] = rows[u].weights.reduce((a, b) => a + b, 0);
  }
  const itemSeqIndptr = new Int32Array(nItems + 1);
  for (let i = 0; i < nItems; i++) itemSeqIndptr[i + 1] = itemSeqIndptr[i] + lists[i].length;
  const itemSeqs = new Int32Array(itemSeqIndptr[nItems]);
  const itemSeqWeights = new Float32Array(itemSeqs.length);
  for (let i = 0; i < nItems; i++) {
    itemSeqs.set(lists[i], itemSeqIndptr[i]);
    itemSeqWeights.set(listWeights[i], itemSeqIndptr[i]);
  }
  return { seqIndptr, seqItems, seqWeights, seqMass, itemSeqIndptr, itemSeqs, itemSeqWeights };
}

function createSknn(s: Sequences, nItems: number, p: SknnParams): Recommender {
  const nRows = s.seqIndptr.length - 1;
  // Per-row scratch reused across calls (scoring is synchronous); a generation number marks the rows one
  // call touched, so nothing is cleared per call.
  const overlap = new Float64Array(nRows);
  const mark = new Int32Array(nRows);
  let generation = 0;
  /** The state's distinct recent items, each with the weight of its newest position. */
  const drivers = (state: UserState): Array<[item: number, weight: number]> => {
    const out: Array<[number, number]> = [];
    const seen = new Set<number>();
    for (let k = 0; k < Math.min(p.lastItems, state.items.length); k++) {
      const item = state.items[state.items.length - 1 - k];
      if (item < 0 || item >= nItems || seen.has(item)) continue;
      seen.add(item);
      out.push([item, (p.lastItems - k) / p.lastItems]);
    }
    return out;
  };
  return {
    id: 'sknn',
    params: p,
    nItems,
    scoreAll(state, out = new Float32Array(nItems)) {
      out.fill(0);
      const recent = drivers(state);
      if (recent.length === 0) return out;
      if (++generation === 0x7fffffff) {
        mark.fill(0);
        generation = 1;
      }
      const touched: number[] = [];
      for (const [item, w] of recent) {
        for (let q = s.itemSeqIndptr[item]; q < s.itemSeqIndptr[item + 1]; q++) {
          const row = s.itemSeqs[q];
          // A known user's own training sequence is their past, not a neighbour's.
          if (row < 0 || row === state.user) continue;
          if (mark[row] !== generation) {
            mark[row] = generation;
            overlap[row] = 0;
            touched.push(row);
          }
          overlap[row] += w * s.itemSeqWeights[q];
        }
      }
      // Cosine-like: the weighted overlap over the geometric mean of the state's and the sequence's sizes.
      const similarity = (row: number) => overlap[row] / Math.sqrt(recent.length * s.seqMass[row]);
      const sims = touched.map((row) => [row, similarity(row)] as const);
      sims.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      for (const [row, sim] of sims.slice(0, p.neighbours)) {
        for (let q = s.seqIndptr[row]; q < s.seqIndptr[row + 1]; q++) {
          const j = s.seqItems[q];
          if (j >= 0) out[j] += sim * s.seqWeights[q];
        }
      }
      return out;
    },
    toArtifact: () => ({
      modelId: 'sknn',
      artifactVersion: 1,
      params: p,
      nItems,
      meta: { users: nRows },
      // The arrays it scores with, not copies: an erasure's `clearUserRow` on this artifact clears the live model.
      arrays: { ...s },
    }),
  };
}
