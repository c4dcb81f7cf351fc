/**
 * Multi-head attention with an additive logit bias, masked padding keys and a choice of weights:
 * `softmax`: softmax(scale QK^T + bias) V, as `attention()`;
 * `pointwise`: SiLU(scale QK^T + bias) / n V, HSTU's weights (Zhai et al. 2024, "Actions speak louder than
 * words"), which do not normalise over the history, so how strongly (and how often) it matches survives.
 * The matrix products run through the kernels' gemm; only the O(len^2) weight passes are plain loops.
 */
import { CurioError } from '../core/index.js';
import { gradBuffer, record } from './autograd.js';
import { gemm, kernels } from './backend.js';
import { alloc } from './memory.js';
import { Tensor } from './tensor.js';

export type AttentionWeights = 'softmax' | 'pointwise';

export interface ScoredAttentionOptions {
  heads?: number;
  causal?: boolean;
  /** Default softmax. */
  weights?: AttentionWeights;
  /** Multiplies QK^T; default 1/sqrt(head dim) for softmax, 1 for pointwise (as HSTU). */
  scale?: number;
  /** Added to the scaled logits: [heads, len, len] (shared by the batch) or [batch, heads, len, len]. */
  bias?: Tensor;
  /** [batch, len], 0 = padding: such keys get weight 0 (a query with no key left outputs 0). */
  keyMask?: Uint8Array;
  /** Pointwise weights are divided by this (HSTU's n); default len. */
  norm?: number;
}

interface Plan {
  batch: number;
  len: number;
  dim: number;
  heads: number;
  hd: number;
  causal: boolean;
  pointwise: boolean;
  scale: number;
  inv: number;
  bias: Tensor | null;
  biasBatched: boolean;
  keep: Uint8Array | null;
  blocks: [number, number][];
}

/** Stand-in logit of a masked key: exp of it underflows to exactly 0. */
const MASKED = -1e30;
/** Causal row blocks: block [r0, r1) only needs keys [0, r1), so the products skip most of the upper triangle. */
const CAUSAL_BLOCKS = 4;

function rowBlocks(len: number, causal: boolean): [number, number][] {
  const size = Math.ceil(len / (causal ? Math.min(CAUSAL_BLOCKS, len) : 1));
  const out: [number, number][] = [];
  for (let r0 = 0; r0 < len; r0 += size) out.push([r0, Math.min(len, r0 + size)]);
  return out;
}

function plan(q: Tensor, k: Tensor, v: Tensor, o: ScoredAttentionOptions): Plan {
  if (q.shape.length !== 3 || k.shape.join() !== q.shape.join() || v.shape.join() !== q.shape.join()) {
    throw new CurioError('BAD_INPUT', `attention needs equal [batch, len, dim] q, k, v; got [${q.shape}], [${k.shape}], [${v.shape}]`);
  }
  const [batch, len, dim] = q.shape;
  const heads = o.heads ?? 1;
  if (dim % heads !== 0) throw new CurioError('BAD_INPUT', `dim ${dim} not divisible by ${heads} heads`);
  const bias = o.bias ?? null;
  const shared = [heads, len, len].join();
  if (bias && bias.shape.join() !== shared && bias.shape.join() !== [batch, shared].join()) {
    throw new CurioError('BAD_INPUT', `attention bias [${bias.shape}] must be [${shared}] or [${batch},${shared}]`);
  }
  if (o.keyMask && o.keyMask.length !== batch * len) {
    throw new CurioError('BAD_INPUT', `key mask of ${o.keyMask.length} for ${batch} x ${len} positions`);
  }
  const pointwise = o.weights === 'pointwise';
  const norm = o.norm ?? len;
  if (!(norm > 0)) throw new CurioError('BAD_INPUT', `pointwise norm must be > 0, got ${norm}`);
  const causal = !!o.causal;
  return {
    batch,
    len,
    dim,
    heads,
    hd: dim / heads,
    causal,
    pointwise,
    scale: o.scale ?? (pointwise ? 1 : 1 / Math.sqrt(dim / heads)),
    inv: 1 / norm,
    bias,
    biasBatched: bias !== null && bias.shape.length === 4,
    keep: o.keyMask ?? null,
    blocks: rowBlocks(len, causal),
  };
}

/** A per-head view of a [batch, len, *] buffer: element (i, j) of batch entry t is buf[off + t * stride + i * ld + j]. */
interface View {
  buf: Float32Array;
  off: number;
  ld: number;
  stride: number;
}

/** Rows from r of head h in a [batch, len, dim] activation. */
const act = (p: Plan, buf: Float32Array, h: number, r: number): View => ({
  buf,
  off: r * p.dim + h * p.hd,
  ld: p.dim,
  stride: p.len * p.dim,
});
/** Rows from r of a [batch, len, len] score matrix. */
const sq = (p: Plan, buf: Float32Array, r: number): View => ({ buf, off: r * p.len, ld: p.len, stride: p.len * p.len });

interface Dims {
  m: number;
  n: number;
  k: number;
  ta?: boolean;
  tb?: boolean;
  alpha?: number;
  beta?: number;
}

/** c = alpha op(a) op(b) + beta c for every batch entry. */
function product(p: Plan, a: View, b: View, c: View, o: Dims): void {
  gemm({
    transA: !!o.ta,
    transB: !!o.tb,
    m: o.m,
    n: o.n,
    k: o.k,
    alpha: o.alpha ?? 1,
    a: a.buf.subarray(a.off),
    lda: a.ld,
    b: b.buf.subarray(b.off),
    ldb: b.ld,
    beta: o.beta ?? 0,
    c: c.buf.subarray(c.off),
    ldc: c.ld,
    batch: p.batch,
    strideA: a.stride,
    strideB: b.stride,
    strideC: c.stride,
  });
}

const keysOf = (p: Plan, r1: number): number => (p.causal ? r1 : p.len);
const biasOffset = (p: Plan, b: number, h: number): number => ((p.biasBatched ? b * p.heads : 0) + h) * p.len * p.len;

/** Softmax logits: add the bias, mark masked keys (only the entries the causal softmax reads). */
function softmaxLogits(p: Plan, h: number, s: Float32Array): void {
  const bias = p.bias?.data;
  const keep = p.keep;
  if (!bias && !keep) return;
  const { len } = p;
  for (let b = 0; b < p.batch; b++) {
    const bo = biasOffset(p, b, h);
    for (let i = 0; i < len; i++) {
      const row = (b * len + i) * len;
      const n = p.causal ? i + 1 : len;
      if (bias) for (let j = 0; j < n; j++) s[row + j] += bias[bo + i * len + j];
      if (keep) for (let j = 0; j < n; j++) if (keep[b * len + j] === 0) s[row + j] = MASKED;
    }
  }
}

/** Zero the weights of masked keys (rows whose keys are all masked came out uniform). */
function zeroMasked(p: Plan, w: Float32Array, keep: Uint8Array): void {
  const { len } = p;
  for (let b = 0; b < p.batch; b++) {
    for (let i = 0; i < len; i++) {
      const row = (b * len + i) * len;
      const n = p.causal ? i + 1 : len;
      for (let j = 0; j < n; j++) if (keep[b * len + j] === 0) w[row + j] = 0;
    }
  }
}

/** In place: s (scaled logits) becomes w = SiLU(s + bias) / n; dw gets dw/ds. Entries right of a row's keys are 0. */
function pointwiseWeights(p: Plan, h: number, s: Float32Array, dw: Float32Array): void {
  const bias = p.bias?.data;
  const { len, inv, keep } = p;
  for (let b = 0; b < p.batch; b++) {
    const bo = biasOffset(p, b, h);
    for (let i = 0; i < len; i++) {
      const row = (b * len + i) * len;
      const n = p.causal ? i + 1 : len;
      for (let j = 0; j < n; j++) {
        if (keep !== null && keep[b * len + j] === 0) {
          s[row + j] = 0;
          dw[row + j] = 0;
          continue;
        }
        const x = bias ? s[row + j] + bias[bo + i * len + j] : s[row + j];
        const sg = 1 / (1 + Math.exp(-x));
        s[row + j] = x * sg * inv;
        dw[row + j] = inv * sg * (1 + x * (1 - sg));
      }
      s.fill(0, row + n, row + len);
    }
  }
}

interface Saved {
  w: Float32Array;
  dw: Float32Array | null;
}

/**
 * Attention over q, k, v of shape [batch, len, dim] (heads side by side in the last dim) with the weights,
 * bias and key mask of `opts`. Keeps the weights (batch x heads x len x len; pointwise also their slopes).
 */
export function scoredAttention(q: Tensor, k: Tensor, v: Tensor, opts: ScoredAttentionOptions = {}): Tensor {
  const p = plan(q, k, v, opts);
  const out = new Tensor(alloc(q.size, false), q.shape);
  const sm = { rows: p.batch * p.len, cols: p.len, scale: 1, causal: p.causal };
  const saved: Saved[] = [];
  for (let h = 0; h < p.heads; h++) {
    const s = alloc(p.batch * p.len * p.len, false);
    for (const [r0, r1] of p.blocks) {
      product(p, act(p, q.data, h, r0), act(p, k.data, h, 0), sq(p, s, r0), {
        m: r1 - r0,
        n: keysOf(p, r1),
        k: p.hd,
        tb: true,
        alpha: p.scale,
      });
    }
    let dw: Float32Array | null = null;
    if (p.pointwise) pointwiseWeights(p, h, s, (dw = alloc(s.length, false)));
    else {
      softmaxLogits(p, h, s);
      kernels().softmaxForward(s, s, sm);
      if (p.keep) zeroMasked(p, s, p.keep);
    }
    for (const [r0, r1] of p.blocks) {
      product(p, sq(p, s, r0), act(p, v.data, h, 0), act(p, out.data, h, r0), { m: r1 - r0, n: p.hd, k: keysOf(p, r1) });
    }
    saved.push({ w: s, dw });
  }
  const inputs = p.bias ? [q, k, v, p.bias] : [q, k, v];
  return record(out, inputs, (g) => scoredBackward({ q, k, v, g, p, saved }));
}

/** Turns dL/dw (rows' keys) into dL/dlogit in place, zeroing the entries right of each row's keys. */
function logitGrad(p: Plan, s: Saved, ds: Float32Array): void {
  if (!p.pointwise) {
    kernels().softmaxBackward(s.w, ds, ds, { rows: p.batch * p.len, cols: p.len, scale: 1, causal: p.causal });
    return;
  }
  const dw = s.dw as Float32Array;
  const { len } = p;
  for (let r = 0; r < p.batch * len; r++) {
    const row = r * len;
    const n = p.causal ? (r % len) + 1 : len;
    for (let j = 0; j < n; j++) ds[row + j] *= dw[row + j];
    ds.fill(0, row + n, row + len);
  }
}

function biasGrad(p: Plan, h: number, ds: Float32Array, gb: Float32Array): void {
  const { len } = p;
  for (let b = 0; b < p.batch; b++) {
    const bo = biasOffset(p, b, h);
    for (let i = 0; i < len; i++) {
      const row = (b * len + i) * len;
      const n = p.causal ? i + 1 : len;
      for (let j = 0; j < n; j++) gb[bo + i * len + j] += ds[row + j];
    }
  }
}

function scoredBackward(x: { q: Tensor; k: Tensor; v: Tensor; g: Float32Array; p: Plan; saved: Saved[] }): void {
  const { q, k, v, g, p, saved } = x;
  // beta = 1 throughout: fresh grad buffers are zeros, and q, k, v may be one tensor.
  const dq = q.requiresGrad ? gradBuffer(q) : null;
  const dk = k.requiresGrad ? gradBuffer(k) : null;
  const dv = v.requiresGrad ? gradBuffer(v) : null;
  const gb = p.bias?.requiresGrad ? gradBuffer(p.bias) : null;
  const needLogits = dq !== null || dk !== null || gb !== null;
  const ds = alloc(p.batch * p.len * p.len, false);
  for (let h = 0; h < p.heads; h++) {
    const w = saved[h].w;
    for (const [r0, r1] of p.blocks) {
      const m = r1 - r0;
      // dV[0:keys] += W[rows, 0:keys]^T dO[rows] ; dW[rows, 0:keys] = dO[rows] V[0:keys]^T
      if (dv) product(p, sq(p, w, r0), act(p, g, h, r0), act(p, dv, h, 0), { m: keysOf(p, r1), n: p.hd, k: m, ta: true, beta: 1 });
      if (needLogits) product(p, act(p, g, h, r0), act(p, v.data, h, 0), sq(p, ds, r0), { m, n: keysOf(p, r1), k: p.hd, tb: true });
    }
    if (!needLogits) continue;
    logitGrad(p, saved[h], ds);
    if (gb) biasGrad(p, h, ds, gb);
    for (const [r0, r1] of p.blocks) {
      const m = r1 - r0;
      // dQ[rows] += scale dS[rows, 0:keys] K[0:keys] ; dK[0:keys] += scale dS[rows, 0:keys]^T Q[rows]
      if (dq) product(p, sq(p, ds, r0), act(p, k.data, h, 0), act(p, dq, h, r0), { m, n: p.hd, k: keysOf(p, r1), alpha: p.scale, beta: 1 });
      if (dk) {
        product(p, sq(p, ds, r0), act(p, q.data, h, r0), act(p, dk, h, 0), {
          m: keysOf(p, r1),
          n: p.hd,
          k: m,
          ta: true,
          alpha: p.scale,
          beta: 1,
        });
      }
    }
  }
}

/** HSTU's pointwise attention: SiLU(QK^T + bias) / norm V (see scoredAttention). */
export function pointwiseAttention(q: Tensor, k: Tensor, v: Tensor, opts: Omit<ScoredAttentionOptions, 'weights'> = {}): Tensor {
  return scoredAttention(q, k, v, { ...opts, weights: 'pointwise' });
}
