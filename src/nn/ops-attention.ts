/** Softmax over the last dim (optionally causal and scaled) and fused multi-head scaled dot-product attention. */
import { alloc } from './memory.js';
import { CurioError } from '../core/index.js';
import { accumulate, gradBuffer, record } from './autograd.js';
import { gemm, kernels } from './backend.js';
import { Tensor } from './tensor.js';

export interface SoftmaxOptions {
  /** Softmax of scale * x (scale > 0). */
  scale?: number;
  /** Treat the last two dims as a square score matrix and mask entries above the diagonal. */
  causal?: boolean;
}

/** softmax(scale * x) over the last dim; masked entries are exactly 0. */
export function softmax(x: Tensor, opts: SoftmaxOptions = {}): Tensor {
  const cols = x.lastDim;
  const causal = !!opts.causal;
  const scale = opts.scale ?? 1;
  if (!(scale > 0)) throw new CurioError('BAD_INPUT', `softmax scale must be > 0, got ${scale}`);
  if (causal && x.shape[x.shape.length - 2] !== cols) {
    throw new CurioError('BAD_INPUT', `causal softmax needs square last dims, got [${x.shape}]`);
  }
  const args = { rows: x.size / cols, cols, scale, causal };
  const out = new Tensor(alloc(x.size, false), x.shape);
  kernels().softmaxForward(x.data, out.data, args);
  const y = out.data;
  return record(out, [x], (g) => {
    kernels().softmaxBackward(y, g, g, args);
    accumulate(x, g, true);
  });
}

export interface AttentionOptions {
  /** Number of heads; the model dim must divide evenly. */
  heads?: number;
  causal?: boolean;
  /** Score scale; default 1/sqrt(head dim). */
  scale?: number;
}

interface Dims {
  batch: number;
  len: number;
  dim: number;
  heads: number;
  hd: number;
}

/** A batch of matrices inside a buffer: element (i, j) of entry t is buf[off + t * stride + i * ld + j]. */
interface View {
  buf: Float32Array;
  off: number;
  ld: number;
  stride: number;
}

/** Rows from r0 of a [len, len] probability matrix per batch entry. */
const pView = (d: Dims, buf: Float32Array, r0: number): View => ({ buf, off: r0 * d.len, ld: d.len, stride: d.len * d.len });
/** Rows from r0 of head h's columns in a [batch, len, dim] activation. */
const xView = (d: Dims, buf: Float32Array, h: number, r0: number): View => ({
  buf,
  off: r0 * d.dim + h * d.hd,
  ld: d.dim,
  stride: d.len * d.dim,
});

function mm(
  batch: number,
  o: { a: View; b: View; c: View; m: number; n: number; k: number; ta?: boolean; tb?: boolean; beta?: number },
): void {
  gemm({
    transA: !!o.ta,
    transB: !!o.tb,
    m: o.m,
    n: o.n,
    k: o.k,
    alpha: 1,
    a: o.a.buf.subarray(o.a.off),
    lda: o.a.ld,
    b: o.b.buf.subarray(o.b.off),
    ldb: o.b.ld,
    beta: o.beta ?? 0,
    c: o.c.buf.subarray(o.c.off),
    ldc: o.c.ld,
    batch,
    strideA: o.a.stride,
    strideB: o.b.stride,
    strideC: o.c.stride,
  });
}

/**
 * Row blocks of the score matrix. With a causal mask, block [r0, r1) only needs keys [0, r1), so the
 * products skip most of the masked upper triangle (about 40% of the attention FLOPs at 4 blocks).
 */
function rowBlocks(len: number, causal: boolean): [number, number][] {
  const count = causal ? Math.min(CAUSAL_BLOCKS, len) : 1;
  const size = Math.ceil(len / count);
  const out: [number, number][] = [];
  for (let r0 = 0; r0 < len; r0 += size) out.push([r0, Math.min(len, r0 + size)]);
  return out;
}
const CAUSAL_BLOCKS = 4;

/**
 * softmax(scale * Q K^T [+ causal mask]) V for q, k, v of shape [batch, len, dim], heads side by side
 * in the last dim. Keeps the probabilities (batch x heads x len x len) for the backward pass.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  if (q.shape.length !== 3 || k.shape.join() !== q.shape.join() || v.shape.join() !== q.shape.join()) {
    throw new CurioError('BAD_INPUT', `attention needs equal [batch, len, dim] q, k, v; got [${q.shape}], [${k.shape}], [${v.shape}]`);
  }
  const [batch, len, dim] = q.shape;
  const heads = opts.heads ?? 1;
  if (dim % heads !== 0) throw new CurioError('BAD_INPUT', `dim ${dim} not divisible by ${heads} heads`);
  const d: Dims = { batch, len, dim, heads, hd: dim / heads };
  const causal = !!opts.causal;
  const sm = { rows: batch * len, cols: len, scale: opts.scale ?? 1 / Math.sqrt(d.hd), causal };
  const blocks = rowBlocks(len, causal);
  const probs: Float32Array[] = [];
  const out = new Tensor(alloc(q.size, false), q.shape);
  for (let h = 0; h < heads; h++) {
    // Entries right of a causal block's key range are never read: softmax writes them as 0.
    const p = alloc(batch * len * len, false);
    for (const [r0, r1] of blocks) {
      mm(batch, {
        a: xView(d, q.data, h, r0),
        b: xView(d, k.data, h, 0),
        c: pView(d, p, r0),
        m: r1 - r0,
        n: causal ? r1 : len,
        k: d.hd,
        tb: true,
      });
    }
    kernels().softmaxForward(p, p, sm);
    for (const [r0, r1] of blocks) {
      mm(batch, { a: pView(d, p, r0), b: xView(d, v.data, h, 0), c: xView(d, out.data, h, r0), m: r1 - r0, n: d.hd, k: causal ? r1 : len });
    }
    probs.push(p);
  }
  return record(out, [q, k, v], (g) => attentionBackward({ q, k, v, g, d, probs, sm, blocks }));
}

function attentionBackward(x: {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  g: Float32Array;
  d: Dims;
  probs: Float32Array[];
  sm: { rows: number; cols: number; scale: number; causal: boolean };
  blocks: [number, number][];
}): void {
  const { q, k, v, g, d, probs, sm, blocks } = x;
  // beta = 1 throughout: fresh grad buffers are zeros, and q, k, v may be one tensor.
  const dq = q.requiresGrad ? gradBuffer(q) : null;
  const dk = k.requiresGrad ? gradBuffer(k) : null;
  const dv = v.requiresGrad ? gradBuffer(v) : null;
  const ds = alloc(d.batch * d.len * d.len, false);
  const B = d.batch;
  const keys = (r1: number) => (sm.causal ? r1 : d.len);
  for (let h = 0; h < d.heads; h++) {
    const p = probs[h];
    for (const [r0, r1] of blocks) {
      const m = r1 - r0;
      // dV[0:keys] += P[rows, 0:keys]^T dO[rows]
      if (dv) mm(B, { a: pView(d, p, r0), b: xView(d, g, h, r0), c: xView(d, dv, h, 0), m: keys(r1), n: d.hd, k: m, ta: true, beta: 1 });
      // dP[rows, 0:keys] = dO[rows] V[0:keys]^T
      if (dq || dk) mm(B, { a: xView(d, g, h, r0), b: xView(d, v.data, h, 0), c: pView(d, ds, r0), m, n: keys(r1), k: d.hd, tb: true });
    }
    if (!dq && !dk) continue;
    // dS = scale * P (dP - rowsum(P dP)); masked entries come out 0
    kernels().softmaxBackward(p, ds, ds, sm);
    for (const [r0, r1] of blocks) {
      const m = r1 - r0;
      // dQ[rows] += dS[rows, 0:keys] K[0:keys] ; dK[0:keys] += dS[rows, 0:keys]^T Q[rows]
      if (dq) mm(B, { a: pView(d, ds, r0), b: xView(d, k.data, h, 0), c: xView(d, dq, h, r0), m, n: d.hd, k: keys(r1), beta: 1 });
      if (dk)
        mm(B, { a: pView(d, ds, r0), b: xView(d, q.data, h, r0), c: xView(d, dk, h, 0), m: keys(r1), n: d.hd, k: m, ta: true, beta: 1 });
    }
  }
}
