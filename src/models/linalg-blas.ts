/**
 * Dense SPD inversion in float32 on the neural engine's matrix product (`kernels().gemm`: OpenBLAS
 * sgemm on the native backend, plain loops on js). Same block sweep as `invertSpdInPlace` in
 * linalg.ts (the float64 reference), but only the lower triangle is kept up to date, so the rank-b
 * updates cost n³ flops in all instead of 2n³. Per pivot block K (width b), with W = A[:, K]:
 *   D⁻¹ = (A[K,K])⁻¹ (float64),  P = W·D⁻¹,  A[i,j] -= P[i,:]·W[j,:] for i ≥ j,
 *   A[R,K] ← P[R,:],  A[K,K] ← -D⁻¹.
 * Sweeping every block leaves -A⁻¹. Pivot blocks are Schur complements of an SPD matrix (no pivoting).
 */
import { kernels } from '../nn/index.js';
import { gaussJordanInPlace } from './linalg.js';

const COLUMN_TILE = 1024;

/** Options of `invertSpdGemm`. */
export interface GemmInverseOptions {
  /** Pivot block width (the k of every sgemm). Default 256. */
  blockSize?: number;
  /** Called after each pivot block with the number of pivots done. */
  onBlock?: (done: number) => void;
}

/**
 * Inverts the SPD matrix `a` (n×n row-major; only the lower triangle is read) in place and returns it
 * with both triangles filled.
 */
export function invertSpdGemm(a: Float32Array, n: number, options: GemmInverseOptions = {}): Float32Array {
  const b0 = Math.max(1, Math.min(n, options.blockSize ?? 256));
  const w = new Float32Array(n * b0);
  const p = new Float32Array(n * b0);
  for (let k0 = 0; k0 < n; k0 += b0) {
    const b = Math.min(b0, n - k0);
    gatherColumns(a, n, k0, b, w);
    const dinv = invertBlock(w, k0, b);
    // P = W · D⁻¹ (n×b).
    gemm({ m: n, n: b, k: b, a: w, lda: b, transB: false, b: dinv, ldb: b, c: p, ldc: b, alpha: 1, beta: 0 });
    rankUpdateLower(a, n, p, w, b);
    scatterColumns(a, n, k0, b, p, dinv);
    options.onBlock?.(k0 + b);
  }
  // The sweep leaves -A⁻¹ in the lower triangle: negate and mirror.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = -a[i * n + j];
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

// W[i, t] = A[i, k0+t], read from the lower triangle.
function gatherColumns(a: Float32Array, n: number, k0: number, b: number, w: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const o = i * b;
    for (let t = 0; t < b; t++) {
      const j = k0 + t;
      w[o + t] = i >= j ? a[i * n + j] : a[j * n + i];
    }
  }
}

// (A[K,K])⁻¹ in float64, returned as float32 for the products.
function invertBlock(w: Float32Array, k0: number, b: number): Float32Array {
  const d = new Float64Array(b * b);
  for (let s = 0; s < b; s++) for (let t = 0; t < b; t++) d[s * b + t] = w[(k0 + s) * b + t];
  return Float32Array.from(gaussJordanInPlace(d, b));
}

// A[i, j] -= Σ_t P[i,t] W[j,t] for i ≥ j, one column tile at a time (rows from the tile's first column).
function rankUpdateLower(a: Float32Array, n: number, p: Float32Array, w: Float32Array, b: number): void {
  for (let j0 = 0; j0 < n; j0 += COLUMN_TILE) {
    const j1 = Math.min(n, j0 + COLUMN_TILE);
    gemm({
      m: n - j0,
      n: j1 - j0,
      k: b,
      a: p.subarray(j0 * b),
      lda: b,
      b: w.subarray(j0 * b),
      ldb: b,
      transB: true,
      c: a.subarray(j0 * n + j0),
      ldc: n,
      alpha: -1,
      beta: 1,
    });
  }
}

// A[R,K] ← P[R,:] and A[K,K] ← -D⁻¹, in the lower triangle.
function scatterColumns(a: Float32Array, n: number, k0: number, b: number, p: Float32Array, dinv: Float32Array): void {
  const k1 = k0 + b;
  for (let i = 0; i < n; i++) {
    if (i >= k0 && i < k1) continue;
    for (let t = 0; t < b; t++) {
      const j = k0 + t;
      if (i > j) a[i * n + j] = p[i * b + t];
      else a[j * n + i] = p[i * b + t];
    }
  }
  for (let s = 0; s < b; s++) for (let t = 0; t <= s; t++) a[(k0 + s) * n + k0 + t] = -dinv[s * b + t];
}

function gemm(g: {
  m: number;
  n: number;
  k: number;
  a: Float32Array;
  lda: number;
  b: Float32Array;
  ldb: number;
  transB: boolean;
  c: Float32Array;
  ldc: number;
  alpha: number;
  beta: number;
}): void {
  if (g.m === 0 || g.n === 0) return;
  kernels().gemm({ ...g, transA: false, batch: 1, strideA: 0, strideB: 0, strideC: 0 });
}
