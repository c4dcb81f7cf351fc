import { z } from 'zod';
import { CurioError } from '../core/index.js';
import { userItemMatrix, type CsrMatrix } from '../data/index.js';
import { artifactArray, defineModel } from './define-model.js';
import { historyWeights } from './history-weights.js';
import { backendName } from '../nn/index.js';
import { invertSpdInPlace } from './linalg.js';
import { invertSpdGemm } from './linalg-blas.js';
import type { Recommender } from './recommender.js';

const params = z.object({
  lambda: z.number().gt(0).default(500).describe('L2 penalty on the item-item weights (added to the Gram diagonal).'),
  maxItems: z
    .number()
    .int()
    .min(1)
    .max(20_000)
    .default(20_000)
    .describe('Only the most popular maxItems items get weights; a dense n² inverse is O(n³) time and 8n² bytes.'),
  recencyDecay: z
    .number()
    .gt(0)
    .max(1)
    .default(1)
    .describe('When scoring, the k-th most recent history item weighs recencyDecay^k (1 = plain EASE).'),
});
type EaseParams = z.infer<typeof params>;

/**
 * EASE (Steck 2019): B = I - P·diag(1/diag(P)) with P = (XᵀX + λI)⁻¹, the closed-form shallow
 * autoencoder with a zero diagonal. Scores are x_u·B.
 */
export const easeModel = defineModel<EaseParams>({
  id: 'ease',
  artifactVersion: 1,
  description:
    'EASE closed-form item-item model (dense blocked inverse on OpenBLAS sgemm, float64 js fallback; catalogues up to ~20k items).',
  capabilities: ['session'],
  params,
  searchSpace: { lambda: [50, 200, 500, 1000, 3000] },
  fit(train, p, options) {
    const m = userItemMatrix(train, options.eventWeights);
    const keep = mostPopular(m, p.maxItems);
    const B = easeWeights(m, keep, p.lambda);
    return createEase({ B, keep, nItems: m.nCols, p });
  },
  restore(artifact, p) {
    const keep = artifactArray(artifact, 'keep', Int32Array);
    return createEase({ B: artifactArray(artifact, 'weights', Float32Array, keep.length * keep.length), keep, nItems: artifact.nItems, p });
  },
});

function mostPopular(m: CsrMatrix, maxItems: number): Int32Array {
  const counts = new Float64Array(m.nCols);
  for (const j of m.indices) counts[j]++;
  const order = Array.from(counts.keys()).filter((j) => counts[j] > 0);
  if (order.length > maxItems) order.sort((a, b) => counts[b] - counts[a] || a - b).length = maxItems;
  return Int32Array.from(order.sort((a, b) => a - b));
}

/** Which inverse EASE uses: `gemm` = float32 on the neural engine's sgemm; `reference` = float64 plain loops. */
export type EaseSolver = 'gemm' | 'reference';

/** The solver for the active backend: OpenBLAS when the native addon is in use, else the float64 reference. */
export function defaultEaseSolver(): EaseSolver {
  return backendName() === 'native' ? 'gemm' : 'reference';
}

/** The n×n weight matrix over the kept items (row = history item, column = scored item). */
export function easeWeights(
  m: CsrMatrix,
  keep: Int32Array,
  lambda: number,
  options: { solver?: EaseSolver; onBlock?: (done: number) => void } = {},
): Float32Array {
  const n = keep.length;
  if (n * n > 2 ** 31) throw new CurioError('BAD_INPUT', `ease: ${n} items need a ${n}² matrix; lower maxItems`);
  const solver = options.solver ?? defaultEaseSolver();
  const G = gram(m, keep, solver === 'gemm' ? new Float32Array(n * n) : new Float64Array(n * n));
  for (let k = 0; k < n; k++) G[k * n + k] += lambda;
  // B[i][j] = -P[i][j] / P[j][j] off the diagonal, 0 on it; written over P in the gemm path (one n² buffer).
  const P =
    G instanceof Float32Array ? invertSpdGemm(G, n, { onBlock: options.onBlock }) : invertSpdInPlace(G, n, { onBlock: options.onBlock });
  const diag = Float64Array.from({ length: n }, (_, j) => P[j * n + j]);
  const B = P instanceof Float32Array ? P : new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) B[i * n + j] = i === j ? 0 : -P[i * n + j] / diag[j];
  }
  return B;
}

// XᵀX over the kept items (both triangles).
function gram<T extends Float32Array | Float64Array>(m: CsrMatrix, keep: Int32Array, G: T): T {
  const n = keep.length;
  const local = new Int32Array(m.nCols).fill(-1);
  keep.forEach((j, k) => (local[j] = k));
  const row: number[] = [];
  const val: number[] = [];
  for (let u = 0; u < m.nRows; u++) {
    row.length = val.length = 0;
    for (let q = m.indptr[u]; q < m.indptr[u + 1]; q++) {
      const k = local[m.indices[q]];
      if (k < 0) continue;
      row.push(k);
      val.push(m.values[q]);
    }
    for (let a = 0; a < row.length; a++) for (let b = 0; b < row.length; b++) G[row[a] * n + row[b]] += val[a] * val[b];
  }
  return G;
}

function createEase(args: { B: Float32Array; keep: Int32Array; nItems: number; p: EaseParams }): Recommender {
  const { B, keep, nItems, p } = args;
  const n = keep.length;
  const local = new Int32Array(nItems).fill(-1);
  keep.forEach((j, k) => (local[j] = k));
  return {
    id: 'ease',
    params: p,
    nItems,
    scoreAll(state, out = new Float32Array(nItems)) {
      out.fill(0);
      const w = historyWeights(state, p.recencyDecay);
      for (let h = 0; h < state.items.length; h++) {
        const i = local[state.items[h]];
        if (i < 0) continue;
        const o = i * n;
        const wh = w[h];
        for (let k = 0; k < n; k++) out[keep[k]] += wh * B[o + k];
      }
      return out;
    },
    toArtifact: () => ({ modelId: 'ease', artifactVersion: 1, params: p, nItems, meta: {}, arrays: { keep, weights: B } }),
  };
}
