/**
 * Softmax cross-entropy over every row of a table, fused with the product that makes the logits.
 *
 * A sequential model's full-catalogue loss scores each position against every item: as separate ops that
 * is a [positions, items] logits matrix kept for backward, and a gradient of the same size (a batch of
 * 128 sequences of 50 over 12,101 items is 310 MB each). Here the logits exist one chunk of rows at a
 * time. The gradient of each chunk (softmax minus one-hot) is formed in the chunk's buffer right after its
 * loss and multiplied into the small gradients of the queries and the table at once, so backward only
 * scales them by the upstream gradient and no product is computed twice.
 */
import { CurioError } from '../core/index.js';
import { accumulate, record } from './autograd.js';
import { gemm, kernels } from './backend.js';
import { alloc } from './memory.js';
import { Tensor } from './tensor.js';

/** Floats in one chunk of logits (16 MB): the row count per chunk follows from the table's size. */
const CHUNK_FLOATS = 1 << 22;

export interface LinearCrossEntropyOptions {
  /** Logits are divided by this (default 1). */
  temperature?: number;
  /** Rows of logits formed at once (default: as many as fit in 16 MB). */
  chunkRows?: number;
}

/**
 * Mean over rows of the softmax cross-entropy of `queries · tableᵀ / temperature` against `targets`
 * (row r's target is a row of `table`). Equal to `crossEntropy(matmul(queries, table, { transB: true }))`
 * without its memory.
 */
export function linearCrossEntropy(queries: Tensor, table: Tensor, targets: Int32Array, o: LinearCrossEntropyOptions = {}): Tensor {
  if (queries.shape.length !== 2 || table.shape.length !== 2 || queries.shape[1] !== table.shape[1]) {
    throw new CurioError('BAD_INPUT', `linearCrossEntropy: queries [${queries.shape}] and table [${table.shape}] do not share a last dim`);
  }
  const [rows, dim] = queries.shape;
  const n = table.shape[0];
  if (targets.length !== rows) throw new CurioError('BAD_INPUT', `linearCrossEntropy: ${rows} rows but ${targets.length} targets`);
  for (const t of targets) if (!(t >= 0 && t < n)) throw new CurioError('BAD_INPUT', `target ${t} out of range [0, ${n})`);
  const inv = 1 / (o.temperature ?? 1);
  const chunk = Math.max(1, Math.min(rows, o.chunkRows ?? Math.floor(CHUNK_FLOATS / Math.max(n, 1))));
  const wantQ = queries.requiresGrad;
  const wantT = table.requiresGrad;
  const logits = alloc(chunk * n, false);
  const lse = new Float32Array(chunk);
  const losses = new Float32Array(chunk);
  // d(mean loss)/d(logit) carries 1/rows, and d(logit)/d(q·t) carries 1/temperature.
  const gRow = new Float32Array(chunk).fill(inv / Math.max(rows, 1));
  const dq = wantQ ? alloc(rows * dim, false) : null;
  const dt = wantT ? alloc(n * dim) : null;
  let total = 0;
  for (let start = 0; start < rows; start += chunk) {
    const m = Math.min(chunk, rows - start);
    const q = queries.data.subarray(start * dim, (start + m) * dim);
    const t = targets.subarray(start, start + m);
    gemm({
      ...product(m, n, dim),
      transA: false,
      transB: true,
      alpha: inv,
      a: q,
      lda: dim,
      b: table.data,
      ldb: dim,
      beta: 0,
      c: logits,
      ldc: n,
    });
    kernels().crossEntropyForward(logits, t, lse, losses, n);
    for (let r = 0; r < m; r++) total += losses[r];
    if (!dq && !dt) continue;
    kernels().crossEntropyBackward(logits, t, lse, gRow, logits, n); // in place: each element reads only itself
    // dq[chunk] = G · table; dtable += Gᵀ · q[chunk]
    if (dq) {
      const c = dq.subarray(start * dim, (start + m) * dim);
      gemm({
        ...product(m, dim, n),
        transA: false,
        transB: false,
        alpha: 1,
        a: logits,
        lda: n,
        b: table.data,
        ldb: dim,
        beta: 0,
        c,
        ldc: dim,
      });
    }
    if (dt)
      gemm({ ...product(n, dim, m), transA: true, transB: false, alpha: 1, a: logits, lda: n, b: q, ldb: dim, beta: 1, c: dt, ldc: dim });
  }
  const out = new Tensor(new Float32Array([total / Math.max(rows, 1)]), []);
  return record(out, [queries, table], (g) => {
    const s = g[0];
    if (dq) accumulate(queries, scaled(dq, s), true);
    if (dt) accumulate(table, scaled(dt, s), true);
  });
}

/** The shape fields of one un-batched product [m, k] · [k, n]. */
function product(m: number, n: number, k: number) {
  return { m, n, k, batch: 1, strideA: 0, strideB: 0, strideC: 0 };
}

function scaled(buf: Float32Array, s: number): Float32Array {
  if (s !== 1) for (let i = 0; i < buf.length; i++) buf[i] *= s;
  return buf;
}
