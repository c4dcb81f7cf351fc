/**
 * The `js` backend: plain TypeScript loops. It is the reference the native backend is tested against,
 * and the fallback when the C addon did not build, so it favours clarity with cache-friendly loop order.
 */
import type { AdamBuffers, AdamHyper, GemmArgs, Kernels, LayerNormBackwardArgs, LayerNormForwardArgs, SoftmaxArgs } from './kernels.js';
import { convKernels } from './kernels-js-conv.js';

/** Copy op(X) of batch entry `off` into a dense rows x cols row-major buffer, times `scale`. */
function pack(
  x: Float32Array,
  off: number,
  ld: number,
  trans: boolean,
  rows: number,
  cols: number,
  scale: number,
  out: Float32Array,
): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[i * cols + j] = scale * (trans ? x[off + j * ld + i] : x[off + i * ld + j]);
  }
}

/** C rows i..i+3 += A rows i..i+3 @ B, on packed operands (4 rows share each load of B). */
function rowQuad(
  ap: Float32Array,
  bp: Float32Array,
  c: Float32Array,
  o: { i: number; n: number; k: number; c0: number; ldc: number },
): void {
  const { i, n, k, ldc } = o;
  const r0 = o.c0;
  const r1 = r0 + ldc;
  const r2 = r1 + ldc;
  const r3 = r2 + ldc;
  for (let p = 0; p < k; p++) {
    const a0 = ap[i * k + p];
    const a1 = ap[(i + 1) * k + p];
    const a2 = ap[(i + 2) * k + p];
    const a3 = ap[(i + 3) * k + p];
    const bo = p * n;
    for (let j = 0; j < n; j++) {
      const b = bp[bo + j];
      c[r0 + j] += a0 * b;
      c[r1 + j] += a1 * b;
      c[r2 + j] += a2 * b;
      c[r3 + j] += a3 * b;
    }
  }
}

function gemm(g: GemmArgs): void {
  const { m, n, k, ldc, beta, c } = g;
  const ap = new Float32Array(m * k);
  const bp = new Float32Array(k * n);
  for (let t = 0; t < g.batch; t++) {
    pack(g.a, t * g.strideA, g.lda, g.transA, m, k, g.alpha, ap);
    pack(g.b, t * g.strideB, g.ldb, g.transB, k, n, 1, bp);
    const cOff = t * g.strideC;
    for (let i = 0; i < m; i++) {
      const ci = cOff + i * ldc;
      for (let j = 0; j < n; j++) c[ci + j] = beta === 0 ? 0 : beta * c[ci + j];
    }
    let i = 0;
    for (; i + 4 <= m; i += 4) rowQuad(ap, bp, c, { i, n, k, c0: cOff + i * ldc, ldc });
    for (; i < m; i++) {
      const ci = cOff + i * ldc;
      for (let p = 0; p < k; p++) {
        const av = ap[i * k + p];
        const bo = p * n;
        for (let j = 0; j < n; j++) c[ci + j] += av * bp[bo + j];
      }
    }
  }
}

function layerNormForward(x: LayerNormForwardArgs): void {
  const { dim } = x;
  for (let r = 0; r < x.rows; r++) {
    const o = r * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += x.x[o + j];
    const mu = s / dim;
    let q = 0;
    for (let j = 0; j < dim; j++) q += (x.x[o + j] - mu) ** 2;
    const rs = 1 / Math.sqrt(q / dim + x.eps);
    for (let j = 0; j < dim; j++) x.y[o + j] = (x.x[o + j] - mu) * rs * x.gamma[j] + x.beta[j];
    x.mean[r] = mu;
    x.rstd[r] = rs;
  }
}

function layerNormBackward(a: LayerNormBackwardArgs): void {
  const { dim } = a;
  for (let r = 0; r < a.rows; r++) {
    const o = r * dim;
    const mu = a.mean[r];
    const rs = a.rstd[r];
    let sg = 0;
    let sgx = 0;
    for (let j = 0; j < dim; j++) {
      const xh = (a.x[o + j] - mu) * rs;
      const gj = a.dy[o + j] * a.gamma[j];
      a.dgamma[j] += a.dy[o + j] * xh;
      a.dbeta[j] += a.dy[o + j];
      sg += gj;
      sgx += gj * xh;
    }
    sg /= dim;
    sgx /= dim;
    for (let j = 0; j < dim; j++) {
      const xh = (a.x[o + j] - mu) * rs;
      a.dx[o + j] = rs * (a.dy[o + j] * a.gamma[j] - sg - xh * sgx);
    }
  }
}

function softmaxForward(x: Float32Array, y: Float32Array, s: SoftmaxArgs): void {
  const { cols, scale } = s;
  for (let r = 0; r < s.rows; r++) {
    const o = r * cols;
    const n = s.causal ? (r % cols) + 1 : cols;
    let mx = x[o];
    for (let j = 1; j < n; j++) if (x[o + j] > mx) mx = x[o + j];
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp((x[o + j] - mx) * scale);
      y[o + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j < n; j++) y[o + j] *= inv;
    for (let j = n; j < cols; j++) y[o + j] = 0;
  }
}

function softmaxBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, s: SoftmaxArgs): void {
  const { cols, scale } = s;
  for (let r = 0; r < s.rows; r++) {
    const o = r * cols;
    const n = s.causal ? (r % cols) + 1 : cols;
    let dot = 0;
    for (let j = 0; j < n; j++) dot += y[o + j] * dy[o + j];
    for (let j = 0; j < n; j++) dx[o + j] = scale * y[o + j] * (dy[o + j] - dot);
    for (let j = n; j < cols; j++) dx[o + j] = 0;
  }
}

function crossEntropyForward(logits: Float32Array, targets: Int32Array, lse: Float32Array, losses: Float32Array, cols: number): void {
  for (let r = 0; r < targets.length; r++) {
    const o = r * cols;
    let mx = logits[o];
    for (let j = 1; j < cols; j++) if (logits[o + j] > mx) mx = logits[o + j];
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(logits[o + j] - mx);
    const l = mx + Math.log(sum);
    lse[r] = l;
    losses[r] = targets[r] >= 0 ? l - logits[o + targets[r]] : 0;
  }
}

function crossEntropyBackward(
  logits: Float32Array,
  targets: Int32Array,
  lse: Float32Array,
  gRow: Float32Array,
  dx: Float32Array,
  cols: number,
): void {
  for (let r = 0; r < targets.length; r++) {
    const o = r * cols;
    const t = targets[r];
    if (t < 0) {
      dx.fill(0, o, o + cols);
      continue;
    }
    const g = gRow[r];
    const l = lse[r];
    for (let j = 0; j < cols; j++) dx[o + j] = g * Math.exp(logits[o + j] - l);
    dx[o + t] -= g;
  }
}

function adamSpan(h: AdamHyper, b: AdamBuffers, start: number, end: number): void {
  const { param: p, grad: g, m, v } = b;
  const { beta1, beta2, eps, weightDecay: wd, learningRate: lr } = h;
  const c1 = 1 / h.bias1;
  const c2 = 1 / h.bias2;
  for (let i = start; i < end; i++) {
    const gi = h.decoupled ? g[i] : g[i] + wd * p[i];
    const mi = beta1 * m[i] + (1 - beta1) * gi;
    const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    let upd = (mi * c1) / (Math.sqrt(vi * c2) + eps);
    if (h.decoupled) upd += wd * p[i];
    p[i] -= lr * upd;
  }
}

function gatherRows(table: Float32Array, ids: Int32Array, out: Float32Array, dim: number, scale: number): void {
  for (let i = 0; i < ids.length; i++) {
    const so = ids[i] * dim;
    const d0 = i * dim;
    for (let j = 0; j < dim; j++) out[d0 + j] = table[so + j] * scale;
  }
}

function scatterAddRows(g: Float32Array, ids: Int32Array, gt: Float32Array, dim: number, scale: number, pad: number): void {
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] === pad) continue;
    const so = ids[i] * dim;
    const g0 = i * dim;
    for (let j = 0; j < dim; j++) gt[so + j] += g[g0 + j] * scale;
  }
}

function gatherDot(x: Float32Array, table: Float32Array, ids: Int32Array, out: Float32Array, dim: number): void {
  for (let i = 0; i < ids.length; i++) {
    let s = 0;
    const xo = i * dim;
    const wo = ids[i] * dim;
    for (let j = 0; j < dim; j++) s += x[xo + j] * table[wo + j];
    out[i] = s;
  }
}

function gatherDotBackward(
  g: Float32Array,
  x: Float32Array,
  table: Float32Array,
  ids: Int32Array,
  gx: Float32Array | null,
  gt: Float32Array | null,
  dim: number,
): void {
  for (let i = 0; i < ids.length; i++) {
    const gi = g[i];
    const xo = i * dim;
    const wo = ids[i] * dim;
    if (gx) for (let j = 0; j < dim; j++) gx[xo + j] = gi * table[wo + j];
    if (gt) for (let j = 0; j < dim; j++) gt[wo + j] += gi * x[xo + j];
  }
}

function addRows(out: Float32Array, row: Float32Array, rows: number): void {
  const w = row.length;
  for (let r = 0; r < rows; r++) {
    const o = r * w;
    for (let j = 0; j < w; j++) out[o + j] += row[j];
  }
}

/** Batch normalisation's per-channel passes (sums in float64 for accuracy over large batches). */
const channelKernels: Pick<Kernels, 'channelStats' | 'channelAffine' | 'channelGradSums' | 'channelGradInput'> = {
  channelStats(x, mean, rstd, c, eps) {
    const rows = x.length / c;
    const s = new Float64Array(c);
    for (let o = 0; o < x.length; o += c) for (let j = 0; j < c; j++) s[j] += x[o + j];
    for (let j = 0; j < c; j++) mean[j] = s[j] / rows;
    const q = new Float64Array(c);
    for (let o = 0; o < x.length; o += c) {
      for (let j = 0; j < c; j++) {
        const d = x[o + j] - mean[j];
        q[j] += d * d;
      }
    }
    for (let j = 0; j < c; j++) rstd[j] = 1 / Math.sqrt(q[j] / rows + eps);
  },
  channelAffine(x, a, b, y) {
    const c = a.length;
    for (let o = 0; o < x.length; o += c) for (let j = 0; j < c; j++) y[o + j] = x[o + j] * a[j] + b[j];
  },
  channelGradSums(g, x, mean, sumG, sumGX) {
    const c = mean.length;
    const s = new Float64Array(c);
    const t = new Float64Array(c);
    for (let o = 0; o < g.length; o += c) {
      for (let j = 0; j < c; j++) {
        s[j] += g[o + j];
        t[j] += g[o + j] * (x[o + j] - mean[j]);
      }
    }
    sumG.set(s);
    sumGX.set(t);
  },
  channelGradInput(g, x, mean, a, k1, k2, dx) {
    const c = mean.length;
    for (let o = 0; o < g.length; o += c) {
      for (let j = 0; j < c; j++) dx[o + j] = a[j] * (g[o + j] - k1[j] - (x[o + j] - mean[j]) * k2[j]);
    }
  },
};

/** The reference kernels. */
export const jsKernels: Kernels = {
  name: 'js',
  gemm,
  layerNormForward,
  layerNormBackward,
  softmaxForward,
  softmaxBackward,
  crossEntropyForward,
  crossEntropyBackward,
  colSum: (g, out, rows, cols) => {
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let j = 0; j < cols; j++) out[j] += g[o + j];
    }
  },
  gatherRows,
  scatterAddRows,
  gatherDot,
  gatherDotBackward,
  addRows,
  reluForward: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : 0;
  },
  reluBackward: (x, g) => {
    for (let i = 0; i < x.length; i++) if (!(x[i] > 0)) g[i] = 0;
  },
  adam: (h, b) => adamSpan(h, b, 0, b.param.length),
  adamRows: (h, b, rows, count, dim) => {
    for (let i = 0; i < count; i++) {
      const o = rows[i] * dim;
      adamSpan(h, b, o, o + dim);
      b.grad.fill(0, o, o + dim);
    }
  },
  ...convKernels(gemm),
  ...channelKernels,
  setThreads: () => undefined,
};
