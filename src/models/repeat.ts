import { z } from 'zod';
import { CurioError } from '../core/index.js';
import { blockedItems, userCount, weightTable, type SequenceDataset } from '../data/index.js';
import type { ModelArtifact } from './artifact.js';
import { artifactArray, defineModel } from './define-model.js';
import type { Recommender } from './recommender.js';
import { newestDistinctItems, rowsWithin, type UserHistoryRow } from './user-history.js';

const params = z.object({
  halfLife: z.number().positive().default(20).describe("An item's score halves for every this many distinct items the user met after it."),
  items: z
    .number()
    .int()
    .min(1)
    .default(200)
    .describe("Distinct items kept of each training user's past, newest first (bounds the model's size)."),
});
type RepeatParams = z.infer<typeof params>;

/** Per training user (row), the newest distinct items and their scores; an erased row holds -1 and 0. */
interface Rows {
  rowIndptr: Int32Array;
  rowItems: Int32Array;
  rowScores: Float32Array;
}

/**
 * Repeat consumption: shoppers come back to what they looked at, favourited or carted. A known user's own past
 * items (not those they bought or disliked) score by their behaviour weight, halving every `halfLife` distinct items
 * back; every other item scores 0.
 * It is a part for a blend (the trainer's validation, which keeps an item met before the state's window as a
 * target, fits its weight): on its own it has nothing for an anonymous state, and a protocol that removes
 * the whole history from the candidates leaves it nothing to rank. It keeps each training user's row, so an
 * erasure clears that row (`clearUserRow`).
 */
export const repeatModel = defineModel<RepeatParams>({
  id: 'repeat',
  artifactVersion: 1,
  description: "Repeat consumption: a known user's own past items, the newest and the most engaged first.",
  capabilities: ['repeat'],
  params,
  searchSpace: { halfLife: [5, 20, 80] },
  fit(train, p, options) {
    const table = weightTable(options.eventWeights);
    const at = new Int32Array(train.items.length).fill(-1);
    const rows = Array.from({ length: userCount(train) }, (_, u) =>
      withoutBlocked(train, u, newestDistinctItems(train, u, p.items, table, at)),
    );
    const rowIndptr = new Int32Array(rows.length + 1);
    rows.forEach((r, u) => (rowIndptr[u + 1] = rowIndptr[u] + r.items.length));
    const rowItems = new Int32Array(rowIndptr[rows.length]);
    const rowScores = new Float32Array(rowItems.length);
    rows.forEach((r, u) => {
      rowItems.set(r.items, rowIndptr[u]);
      r.weights.forEach((w, k) => (rowScores[rowIndptr[u] + k] = w * 0.5 ** (k / p.halfLife)));
    });
    return createRepeat({ rowIndptr, rowItems, rowScores }, train.items.length, p);
  },
  restore(artifact, p) {
    const rows = rowsOf(artifact);
    if (!rowsWithin(rows.rowIndptr, rows.rowItems, artifact.nItems)) {
      throw new CurioError('BAD_INPUT', 'artifact of repeat has inconsistent row pointers or an item index out of range');
    }
    return createRepeat(rows, artifact.nItems, p);
  },
  clearUserRow(artifact, row) {
    const { rowIndptr, rowItems, rowScores } = rowsOf(artifact);
    if (row < 0 || row >= rowIndptr.length - 1) return false;
    rowItems.fill(-1, rowIndptr[row], rowIndptr[row + 1]);
    rowScores.fill(0, rowIndptr[row], rowIndptr[row + 1]);
    return true;
  },
});

/**
 * The row without the items the user bought or disliked: a slate never shows them again (the server's rules
 * block them), so scoring them would only spend the weight validation fits on what cannot be served.
 */
function withoutBlocked(train: SequenceDataset, u: number, row: UserHistoryRow): UserHistoryRow {
  const blocked = blockedItems(train, u);
  if (blocked.size === 0) return row;
  const keep = row.items.map((i) => !blocked.has(i));
  return { items: row.items.filter((_, k) => keep[k]), weights: row.weights.filter((_, k) => keep[k]) };
}

function rowsOf(artifact: ModelArtifact): Rows {
  const rowItems = artifactArray(artifact, 'rowItems', Int32Array);
  return {
    rowIndptr: artifactArray(artifact, 'rowIndptr', Int32Array),
    rowItems,
    rowScores: artifactArray(artifact, 'rowScores', Float32Array, rowItems.length),
  };
}

function createRepeat(rows: Rows, nItems: number, p: RepeatParams): Recommender {
  const nRows = rows.rowIndptr.length - 1;
  return {
    id: 'repeat',
    params: p,
    nItems,
    scoreAll(state, out = new Float32Array(nItems)) {
      out.fill(0);
      const u = state.user;
      if (u === undefined || u < 0 || u >= nRows) return out;
      for (let q = rows.rowIndptr[u]; q < rows.rowIndptr[u + 1]; q++) {
        const item = rows.rowItems[q];
        if (item >= 0) out[item] = rows.rowScores[q];
      }
      return out;
    },
    toArtifact: () => ({
      modelId: 'repeat',
      artifactVersion: 1,
      params: p,
      nItems,
      meta: { users: nRows },
      // The arrays it scores with, not copies: an erasure's `clearUserRow` on this artifact clears the live model.
      arrays: { ...rows },
    }),
  };
}
