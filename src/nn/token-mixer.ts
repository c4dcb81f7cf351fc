/**
 * A learned causal token mixer: each position's output is a learned weighted sum of itself and the
 * positions before it, one weight per (position, earlier position) pair, shared by every channel.
 *
 * It is the causal counterpart of the frequency filters that lead next-item benchmarks (FMLP-Rec,
 * BSARec's filter branch, TV-Rec's time-variant filters): a fixed linear filter over the sequence that
 * attention, which re-weights by content, does not express cheaply. BSARec filters with an FFT over the
 * whole sequence, which lets each training position see the events after it; a lower-triangular matrix
 * cannot, so every position's loss is an honest next-item prediction. Rows are indexed from the newest
 * event when sequences are left-padded (a batch shorter than maxLen uses the matrix's bottom-right block),
 * from the oldest when they are right-padded (the top-left block).
 */
import { accumulate, record } from './autograd.js';
import { gemm } from './backend.js';
import { alloc } from './memory.js';
import { Module } from './module.js';
import { parameter, Tensor } from './tensor.js';

/**
 * 'pairs': one weight per (position, earlier position) pair, a filter that may differ at every position.
 * 'lags': one weight per lag i - j, the same filter at every position (a causal convolution over the past),
 * so the output at a position does not depend on where the sequence starts or ends.
 */
export type TokenMixerKind = 'pairs' | 'lags';

export class TokenMixer extends Module {
  /** 'pairs': [maxLen, maxLen], only the lower triangle (with the diagonal) used; 'lags': [maxLen], lag 0 first. */
  readonly weight: Tensor;
  readonly maxLen: number;
  readonly kind: TokenMixerKind;

  /** Starts as the identity: the block begins as if the mixer passed its input through. */
  constructor(maxLen: number, kind: TokenMixerKind = 'pairs') {
    super();
    const lags = kind === 'lags';
    const w = new Float32Array(lags ? maxLen : maxLen * maxLen);
    if (lags) w[0] = 1;
    else for (let i = 0; i < maxLen; i++) w[i * maxLen + i] = 1;
    this.weight = parameter(w, lags ? [maxLen] : [maxLen, maxLen]);
    this.maxLen = maxLen;
    this.kind = kind;
  }

  /**
   * Mix [batch, len, dim] along len (len ≤ maxLen): out[b, i] = Σ_{j ≤ i} W[i, j] · x[b, j]. One product per
   * sequence with the causal block shared (stride 0), no transposes: a user vector's forward pass on the
   * serving path runs this once per block. `fromOldest`: rows count from the first position (right padding).
   */
  forward(x: Tensor, fromOldest = false): Tensor {
    const [batch, len, dim] = x.shape;
    const L = this.maxLen;
    const from = fromOldest ? 0 : L - len;
    const w = this.weight.data;
    const lags = this.kind === 'lags';
    const block = new Float32Array(len * len);
    for (let i = 0; i < len; i++) for (let j = 0; j <= i; j++) block[i * len + j] = lags ? w[i - j] : w[(from + i) * L + from + j];
    const out = new Tensor(alloc(x.size, false), x.shape);
    const shape = { m: len, n: dim, k: len, batch, strideA: 0, strideB: len * dim, strideC: len * dim };
    gemm({ ...shape, transA: false, transB: false, alpha: 1, a: block, lda: len, b: x.data, ldb: dim, beta: 0, c: out.data, ldc: dim });
    return record(out, [x, this.weight], (g) => {
      if (x.requiresGrad) {
        const dx = alloc(x.size, false);
        gemm({ ...shape, transA: true, transB: false, alpha: 1, a: block, lda: len, b: g, ldb: dim, beta: 0, c: dx, ldc: dim });
        accumulate(x, dx, true);
      }
      if (!this.weight.requiresGrad) return;
      // dW[i, j] = Σ_b g[b, i] · x[b, j], kept on the causal triangle.
      const dBlock = new Float32Array(len * len);
      for (let b = 0; b < batch; b++) {
        const o = b * len * dim;
        gemm({
          ...{ m: len, n: len, k: dim, batch: 1, strideA: 0, strideB: 0, strideC: 0 },
          transA: false,
          transB: true,
          alpha: 1,
          a: g.subarray(o, o + len * dim),
          lda: dim,
          b: x.data.subarray(o, o + len * dim),
          ldb: dim,
          beta: 1,
          c: dBlock,
          ldc: len,
        });
      }
      const dw = new Float32Array(this.weight.size);
      for (let i = 0; i < len; i++) {
        for (let j = 0; j <= i; j++) {
          if (lags) dw[i - j] += dBlock[i * len + j];
          else dw[(from + i) * L + from + j] = dBlock[i * len + j];
        }
      }
      accumulate(this.weight, dw, true);
    });
  }
}
