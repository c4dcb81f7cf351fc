/**
 * Dense symmetric positive-definite algebra in plain loops over Float64Array: the inversion EASE needs and
 * the small Cholesky solve of Newton steps (logistic.ts).
 *
 * The blocked kernel applies the block sweep operator (Goodnight 1979) to one block of b pivots at a
 * time, keeping only the upper triangle: with D = A[K,K], P = A[R,K]·D⁻¹,
 *   A[K,K] ← -D⁻¹,  A[R,K] ← P,  A[R,R] ← A[R,R] - P·A[K,R].
 * Sweeping every block leaves -A⁻¹. Pivot blocks are Schur complements of an SPD matrix, so no
 * pivoting is needed. The rank-b update streams b rows of a panel per row of A (cache friendly), and
 * rows whose panel is all zero (items not yet connected to the swept ones) are skipped.
 */

/** Inverts the SPD matrix `a` (n×n, row-major, full storage) in place; returns `a`. */
export function invertSpdInPlace(
  a: Float64Array,
  n: number,
  options: { blockSize?: number; onBlock?: (done: number) => void } = {},
): Float64Array {
  const b0 = options.blockSize ?? 64;
  const panel = new Float64Array(n * b0); // A[K, :] transposed rows: panel[t*n + s] = A[K0+t, s]
  const scaled = new Float64Array(n * b0); // P[r, t]
  const active = new Uint8Array(n);
  for (let k0 = 0; k0 < n; k0 += b0) {
    const k1 = Math.min(n, k0 + b0);
    const b = k1 - k0;
    const dinv = invertSmall(a, n, k0, b);
    gatherPanel({ a, n, k0, k1, panel, scaled, active, dinv });
    updateRest({ a, n, k0, k1, panel, scaled, active });
    for (let r = 0; r < n; r++) {
      if (r >= k0 && r < k1) continue;
      for (let t = 0; t < b; t++) {
        const v = scaled[r * b + t];
        if (r < k0) a[r * n + k0 + t] = v;
        else a[(k0 + t) * n + r] = v;
      }
    }
    for (let i = 0; i < b; i++) for (let j = i; j < b; j++) a[(k0 + i) * n + k0 + j] = -dinv[i * b + j];
    options.onBlock?.(k1);
  }
  // Negate (the sweep leaves -A⁻¹) and mirror the upper triangle.
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = -a[i * n + j];
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

function invertSmall(a: Float64Array, n: number, k0: number, b: number): Float64Array {
  const d = new Float64Array(b * b);
  for (let i = 0; i < b; i++) {
    for (let j = i; j < b; j++) {
      const v = a[(k0 + i) * n + k0 + j];
      d[i * b + j] = v;
      d[j * b + i] = v;
    }
  }
  return gaussJordanInPlace(d, b);
}

interface PanelArgs {
  a: Float64Array;
  n: number;
  k0: number;
  k1: number;
  panel: Float64Array;
  scaled: Float64Array;
  active: Uint8Array;
  dinv?: Float64Array;
}

function gatherPanel({ a, n, k0, k1, panel, scaled, active, dinv }: PanelArgs & { dinv: Float64Array }): void {
  const b = k1 - k0;
  const raw = new Float64Array(b);
  for (let r = 0; r < n; r++) {
    if (r >= k0 && r < k1) {
      active[r] = 0;
      continue;
    }
    let any = false;
    for (let t = 0; t < b; t++) {
      const v = r < k0 ? a[r * n + k0 + t] : a[(k0 + t) * n + r];
      raw[t] = v;
      panel[t * n + r] = v;
      if (v !== 0) any = true;
    }
    active[r] = any ? 1 : 0;
    for (let t = 0; t < b; t++) {
      let s = 0;
      if (any) for (let q = 0; q < b; q++) s += raw[q] * dinv[q * b + t];
      scaled[r * b + t] = s;
    }
  }
}

const TILE = 1024;

function updateRest({ a, n, k0, k1, panel, scaled, active }: PanelArgs): void {
  const b = k1 - k0;
  for (let s0 = 0; s0 < n; s0 += TILE) {
    const s1 = Math.min(n, s0 + TILE);
    for (let r = 0; r < Math.min(n, s1); r++) {
      if (active[r] === 0) continue;
      // Columns s ≥ r outside K within this tile.
      const lo = Math.max(s0, r);
      if (lo >= s1) continue;
      if (lo < k0) rankUpdate(a, r * n, panel, n, scaled, r * b, b, lo, Math.min(s1, k0));
      if (s1 > k1) rankUpdate(a, r * n, panel, n, scaled, r * b, b, Math.max(lo, k1), s1);
    }
  }
}

// a[row + s] -= Σ_t p[t] * panel[t*n + s] for s in [from, to); four panel rows per pass.
function rankUpdate(
  a: Float64Array,
  row: number,
  panel: Float64Array,
  n: number,
  p: Float64Array,
  pOff: number,
  b: number,
  from: number,
  to: number,
): void {
  let t = 0;
  for (; t + 3 < b; t += 4) {
    const p0 = p[pOff + t],
      p1 = p[pOff + t + 1],
      p2 = p[pOff + t + 2],
      p3 = p[pOff + t + 3];
    if (p0 === 0 && p1 === 0 && p2 === 0 && p3 === 0) continue;
    const o0 = t * n,
      o1 = o0 + n,
      o2 = o1 + n,
      o3 = o2 + n;
    for (let s = from; s < to; s++) {
      a[row + s] -= p0 * panel[o0 + s] + p1 * panel[o1 + s] + p2 * panel[o2 + s] + p3 * panel[o3 + s];
    }
  }
  for (; t < b; t++) {
    const pt = p[pOff + t];
    if (pt === 0) continue;
    const o = t * n;
    for (let s = from; s < to; s++) a[row + s] -= pt * panel[o + s];
  }
}

/** The plain reference: unblocked in-place Gauss-Jordan inversion (no pivoting; SPD input). */
export function gaussJordanInPlace(a: Float64Array, n: number): Float64Array {
  const row = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const kk = k * n;
    const p = 1 / a[kk + k];
    a[kk + k] = 1;
    for (let j = 0; j < n; j++) row[j] = a[kk + j] *= p;
    for (let i = 0; i < n; i++) {
      const f = a[i * n + k];
      if (i === k || f === 0) continue;
      a[i * n + k] = 0;
      for (let j = 0; j < n; j++) a[i * n + j] -= f * row[j];
    }
  }
  return a;
}

/** Solves the SPD system A x = b (n×n row-major) by Cholesky; A is overwritten. Null when A is not positive definite. */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array | null {
  return choleskyFactorInPlace(a, n) ? choleskySolveFactored(a, b, n) : null;
}

/**
 * Factorises the SPD matrix A (n×n row-major) as L Lᵀ in place: L in the lower triangle (the upper one is
 * left as it was). False when A is not positive definite. Solve with choleskySolveFactored, once per right side.
 */
export function choleskyFactorInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j];
    for (let k = 0; k < j; k++) s -= a[j * n + k] ** 2;
    if (s <= 0) return false;
    a[j * n + j] = Math.sqrt(s);
    for (let i = j + 1; i < n; i++) {
      let t = a[i * n + j];
      for (let k = 0; k < j; k++) t -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = t / a[j * n + j];
    }
  }
  return true;
}

/** x with L Lᵀ x = b, L from choleskyFactorInPlace. */
export function choleskySolveFactored(l: Float64Array, b: Float64Array, n: number): Float64Array {
  const y = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) y[i] -= l[i * n + k] * y[k];
    y[i] /= l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) y[i] -= l[k * n + i] * y[k];
    y[i] /= l[i * n + i];
  }
  return y;
}
