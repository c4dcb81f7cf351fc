/** Matrix products: batched matmul with transposes, and the fused linear layer (x W^T + b). */
import { alloc } from './memory.js';
import { CurioError } from '../core/index.js';
import { accumulate, gradBuffer, record } from './autograd.js';
import { gemm, kernels } from './backend.js';
import { sizeOf, Tensor } from './tensor.js';

export interface MatmulOptions {
  /** Use a's last two dims transposed. */
  transA?: boolean;
  /** Use b's last two dims transposed. */
  transB?: boolean;
}

interface MatmulPlan {
  batch: number;
  m: number;
  n: number;
  k: number;
  /** b is 2-D and shared by every batch entry. */
  sharedB: boolean;
  shape: number[];
}

function plan(a: Tensor, b: Tensor, ta: boolean, tb: boolean): MatmulPlan {
  if (a.shape.length < 2 || b.shape.length < 2) throw new CurioError('BAD_INPUT', 'matmul needs rank >= 2 inputs');
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const [m, k] = ta ? [ac, ar] : [ar, ac];
  const [k2, n] = tb ? [bc, br] : [br, bc];
  const batchDims = a.shape.slice(0, -2);
  const sharedB = b.shape.length === 2;
  const sameBatch = b.shape.length === a.shape.length && b.shape.slice(0, -2).every((d, i) => d === batchDims[i]);
  if (k !== k2 || !(sharedB || sameBatch)) {
    throw new CurioError('BAD_INPUT', `matmul shapes [${a.shape}]${ta ? 'ᵀ' : ''} x [${b.shape}]${tb ? 'ᵀ' : ''} do not fit`);
  }
  return { batch: sizeOf(batchDims), m, n, k, sharedB, shape: [...batchDims, m, n] };
}

/**
 * op(a) @ op(b) over the leading batch dims. b may be 2-D (shared across the batch); with a not
 * transposed, that case runs as one large product over the flattened batch.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const ta = !!opts.transA;
  const tb = !!opts.transB;
  const p = plan(a, b, ta, tb);
  const out = new Tensor(alloc(sizeOf(p.shape), false), p.shape);
  const flat = p.sharedB && !ta;
  const lda = a.shape[a.shape.length - 1];
  const ldb = b.shape[b.shape.length - 1];
  gemm({
    transA: ta,
    transB: tb,
    m: flat ? p.batch * p.m : p.m,
    n: p.n,
    k: p.k,
    alpha: 1,
    a: a.data,
    lda,
    b: b.data,
    ldb,
    beta: 0,
    c: out.data,
    ldc: p.n,
    batch: flat ? 1 : p.batch,
    strideA: p.m * p.k,
    strideB: p.sharedB ? 0 : p.k * p.n,
    strideC: p.m * p.n,
  });
  return record(out, [a, b], (g) => {
    if (a.requiresGrad) matmulGradA(a, b, g, { ...p, ta, tb, flat, lda, ldb });
    if (b.requiresGrad) matmulGradB(a, b, g, { ...p, ta, tb, flat, lda, ldb });
  });
}

type GradPlan = MatmulPlan & { ta: boolean; tb: boolean; flat: boolean; lda: number; ldb: number };

/** dA = g @ op(b)^T (or its transpose when a was transposed), written straight into a.grad. */
function matmulGradA(a: Tensor, b: Tensor, g: Float32Array, p: GradPlan): void {
  const beta = a.grad === null ? 0 : 1;
  const ga = gradBuffer(a);
  const bStride = p.sharedB ? 0 : p.k * p.n;
  const common = { alpha: 1, beta, c: ga, ldc: p.lda, strideC: p.m * p.k, b: b.data, ldb: p.ldb, strideB: bStride };
  if (!p.ta) {
    // dA[m,k] = g[m,n] @ op(B)^T
    gemm({
      ...common,
      transA: false,
      transB: !p.tb,
      m: p.flat ? p.batch * p.m : p.m,
      n: p.k,
      k: p.n,
      a: g,
      lda: p.n,
      batch: p.flat ? 1 : p.batch,
      strideA: p.m * p.n,
    });
  } else {
    // A is stored [k,m]: dA^T = op(B) @ g^T
    gemm({
      ...common,
      transA: p.tb,
      transB: true,
      m: p.k,
      n: p.m,
      k: p.n,
      a: b.data,
      lda: p.ldb,
      b: g,
      ldb: p.n,
      batch: p.batch,
      strideA: bStride,
      strideB: p.m * p.n,
    });
  }
}

/** dB = op(a)^T @ g (summed over the batch when b is shared), written straight into b.grad. */
function matmulGradB(a: Tensor, b: Tensor, g: Float32Array, p: GradPlan): void {
  const ldc = p.ldb;
  const aStride = p.m * p.k;
  const hadGrad = b.grad !== null;
  const gb = gradBuffer(b);
  if (p.flat) {
    const args = { alpha: 1, beta: hadGrad ? 1 : 0, batch: 1, strideA: 0, strideB: 0, strideC: 0 };
    const M = p.batch * p.m;
    if (!p.tb) gemm({ ...args, transA: true, transB: false, m: p.k, n: p.n, k: M, a: a.data, lda: p.lda, b: g, ldb: p.n, c: gb, ldc });
    else gemm({ ...args, transA: true, transB: false, m: p.n, n: p.k, k: M, a: g, lda: p.n, b: a.data, ldb: p.lda, c: gb, ldc });
    return;
  }
  // Per batch entry; a shared b accumulates (beta = 1) across entries.
  for (let t = 0; t < (p.sharedB ? p.batch : 1); t++) {
    const batch = p.sharedB ? 1 : p.batch;
    const aOff = t * aStride;
    const gOff = t * p.m * p.n;
    const args = { alpha: 1, beta: 1, batch, strideC: p.sharedB ? 0 : p.k * p.n, c: gb, ldc };
    const aSub = a.data.subarray(aOff);
    const gSub = g.subarray(gOff);
    if (!p.tb) {
      // dB[k,n] = op(A)^T[k,m] @ g[m,n]
      gemm({
        ...args,
        transA: !p.ta,
        transB: false,
        m: p.k,
        n: p.n,
        k: p.m,
        a: aSub,
        lda: p.lda,
        strideA: aStride,
        b: gSub,
        ldb: p.n,
        strideB: p.m * p.n,
      });
    } else {
      // B stored [n,k]: dB = g^T[n,m] @ op(A)[m,k]
      gemm({
        ...args,
        transA: true,
        transB: p.ta,
        m: p.n,
        n: p.k,
        k: p.m,
        a: gSub,
        lda: p.n,
        strideA: p.m * p.n,
        b: aSub,
        ldb: p.lda,
        strideB: aStride,
      });
    }
  }
}

export interface LinearOpOptions {
  /** Added to the output (same shape): a fused residual connection, saving a separate add pass. */
  residual?: Tensor;
}

/** x @ w^T + bias (+ residual) over the last dim of x: w is [out, in], bias [out]. */
export function linear(x: Tensor, w: Tensor, bias: Tensor | null, opts: LinearOpOptions = {}): Tensor {
  const [outDim, inDim] = w.shape;
  const res = opts.residual;
  const rows = x.size / inDim;
  if (w.shape.length !== 2 || x.lastDim !== inDim || (bias && bias.size !== outDim) || (res && res.size !== rows * outDim)) {
    throw new CurioError(
      'BAD_INPUT',
      `linear: x [${x.shape}], w [${w.shape}], bias [${bias?.shape ?? ''}], residual [${res?.shape ?? ''}]`,
    );
  }
  const out = new Tensor(alloc(rows * outDim, false), [...x.shape.slice(0, -1), outDim]);
  if (res) {
    out.data.set(res.data);
    if (bias) kernels().addRows(out.data, bias.data, rows);
  } else if (bias) {
    fillRows(out.data, bias.data, rows);
  }
  gemm({
    transA: false,
    transB: true,
    m: rows,
    n: outDim,
    k: inDim,
    alpha: 1,
    a: x.data,
    lda: inDim,
    b: w.data,
    ldb: inDim,
    beta: bias || res ? 1 : 0,
    c: out.data,
    ldc: outDim,
    batch: 1,
    strideA: 0,
    strideB: 0,
    strideC: 0,
  });
  const inputs = [x, w, ...(bias ? [bias] : []), ...(res ? [res] : [])];
  return record(out, inputs, (g) => {
    const one = { batch: 1, strideA: 0, strideB: 0, strideC: 0, alpha: 1 };
    if (x.requiresGrad) {
      const beta = x.grad === null ? 0 : 1;
      gemm({
        ...one,
        transA: false,
        transB: false,
        m: rows,
        n: inDim,
        k: outDim,
        a: g,
        lda: outDim,
        b: w.data,
        ldb: inDim,
        beta,
        c: gradBuffer(x),
        ldc: inDim,
      });
    }
    if (w.requiresGrad) {
      const beta = w.grad === null ? 0 : 1;
      gemm({
        ...one,
        transA: true,
        transB: false,
        m: outDim,
        n: inDim,
        k: rows,
        a: g,
        lda: outDim,
        b: x.data,
        ldb: inDim,
        beta,
        c: gradBuffer(w),
        ldc: inDim,
      });
    }
    if (bias?.requiresGrad) kernels().colSum(g, gradBuffer(bias), rows, outDim);
    // Last use of g: the residual may take it over.
    if (res?.requiresGrad) accumulate(res, g, true);
  });
}

/** Repeat `row` down `out` by doubling copies (log2(rows) memcpy calls instead of one per row). */
export function fillRows(out: Float32Array, row: Float32Array, rows: number): void {
  const w = row.length;
  if (rows === 0) return;
  out.set(row, 0);
  for (let filled = 1; filled < rows; filled *= 2) {
    const n = Math.min(filled, rows - filled);
    out.copyWithin(filled * w, 0, n * w);
  }
}
