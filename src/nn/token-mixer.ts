/**
 * A learned causal token mixer: each position's output is a learned weighted sum of itself and the
 * positions before it, one weight per (position, earlier position) pair, shared by every channel.
 *
 * It is the causal counterpart of the frequency filters that lead next-item benchmarks (FMLP-Rec,
 * BSARec's filter branch, TV-Rec's time-variant filters): a fixed linear filter over the sequence that
 * attention, which re-weights by content, does not express cheaply. BSARec filters with an FFT over the
 * whole sequence, which lets each training position see the events after it; a lower-triangular matrix
 * cannot, so every position's loss is an honest next-item prediction. Rows are indexed from the newest
 * event (sequences are left-padded), so a batch shorter than maxLen uses the matrix's bottom-right block.
 */
import { Module } from './module.js';
import { mul } from './ops-elementwise.js';
import { matmul } from './ops-matmul.js';
import { permute, slice } from './ops-shape.js';
import { parameter, Tensor } from './tensor.js';

export class TokenMixer extends Module {
  /** [maxLen, maxLen]; only the lower triangle (with the diagonal) is used. */
  readonly weight: Tensor;
  readonly maxLen: number;
  private readonly masks = new Map<number, Tensor>();

  /** Starts as the identity: the block begins as if the mixer passed its input through. */
  constructor(maxLen: number) {
    super();
    const w = new Float32Array(maxLen * maxLen);
    for (let i = 0; i < maxLen; i++) w[i * maxLen + i] = 1;
    this.weight = parameter(w, [maxLen, maxLen]);
    this.maxLen = maxLen;
  }

  /** Mix [batch, len, dim] along len (len ≤ maxLen): out[b, i] = Σ_{j ≤ i} W[i, j] · x[b, j]. */
  forward(x: Tensor): Tensor {
    const len = x.shape[1];
    const from = this.maxLen - len;
    const block = len === this.maxLen ? this.weight : slice(slice(this.weight, 0, from, this.maxLen), 1, from, this.maxLen);
    const causal = mul(block, this.mask(len));
    // [batch, dim, len] · Wᵀ runs as one product with W shared by the batch.
    return permute(matmul(permute(x, [0, 2, 1]), causal, { transB: true }), [0, 2, 1]);
  }

  private mask(len: number): Tensor {
    let m = this.masks.get(len);
    if (!m) {
      const data = new Float32Array(len * len);
      for (let i = 0; i < len; i++) data.fill(1, i * len, i * len + i + 1);
      m = new Tensor(data, [len, len]);
      this.masks.set(len, m);
    }
    return m;
  }
}
