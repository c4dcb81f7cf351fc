/**
 * The kernel interface both backends implement: the few loops where the time goes (matrix products,
 * layer norm, softmax, cross-entropy, Adam). Everything else in src/nn is plain TypeScript shared by
 * both backends. Buffers are row-major Float32Arrays; offsets are expressed by passing a subarray.
 */
export type BackendName = 'js' | 'native';

/** C[i] = alpha * op(A[i]) @ op(B[i]) + beta * C[i] for i < batch, row-major. */
export interface GemmArgs {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  a: Float32Array;
  lda: number;
  b: Float32Array;
  ldb: number;
  beta: number;
  c: Float32Array;
  ldc: number;
  batch: number;
  strideA: number;
  strideB: number;
  strideC: number;
}

export interface LayerNormForwardArgs {
  x: Float32Array;
  gamma: Float32Array;
  beta: Float32Array;
  y: Float32Array;
  mean: Float32Array;
  rstd: Float32Array;
  rows: number;
  dim: number;
  eps: number;
}

/** dx is overwritten; dgamma and dbeta are accumulated into. */
export interface LayerNormBackwardArgs {
  dy: Float32Array;
  x: Float32Array;
  gamma: Float32Array;
  mean: Float32Array;
  rstd: Float32Array;
  dx: Float32Array;
  dgamma: Float32Array;
  dbeta: Float32Array;
  rows: number;
  dim: number;
}

/** Row-wise softmax of scale * x; `causal` rows are square matrices where row r sees cols 0..r%cols. */
export interface SoftmaxArgs {
  rows: number;
  cols: number;
  scale: number;
  causal: boolean;
}

export interface AdamHyper {
  learningRate: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1 - beta1^t and 1 - beta2^t. */
  bias1: number;
  bias2: number;
  /** AdamW (decoupled weight decay) when true, L2-in-gradient Adam when false. */
  decoupled: boolean;
}

export interface AdamBuffers {
  param: Float32Array;
  grad: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

/** A kh×kw window sliding over NHWC pictures [n, h, w, c] (see ops-conv.ts). */
export interface PatchGeometry {
  n: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  stride: number;
  padding: number;
  outH: number;
  outW: number;
}

export interface Kernels {
  readonly name: BackendName;
  gemm(args: GemmArgs): void;
  layerNormForward(args: LayerNormForwardArgs): void;
  layerNormBackward(args: LayerNormBackwardArgs): void;
  softmaxForward(x: Float32Array, y: Float32Array, args: SoftmaxArgs): void;
  /** dx may be the same buffer as dy. */
  softmaxBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, args: SoftmaxArgs): void;
  /** Per-row log-sum-exp and loss (lse - logit[target]; 0 where target < 0). */
  crossEntropyForward(logits: Float32Array, targets: Int32Array, lse: Float32Array, losses: Float32Array, cols: number): void;
  /** dx = gRow * (softmax - onehot(target)), 0 for rows whose target < 0. */
  crossEntropyBackward(
    logits: Float32Array,
    targets: Int32Array,
    lse: Float32Array,
    gRow: Float32Array,
    dx: Float32Array,
    cols: number,
  ): void;
  /** out[j] += sum over rows of g[r, j] (bias gradients). */
  colSum(g: Float32Array, out: Float32Array, rows: number, cols: number): void;
  /** out[i] = table[ids[i]] * scale for rows of width dim. */
  gatherRows(table: Float32Array, ids: Int32Array, out: Float32Array, dim: number, scale: number): void;
  /** gt[ids[i]] += g[i] * scale, skipping ids equal to pad (use -1 for none). */
  scatterAddRows(g: Float32Array, ids: Int32Array, gt: Float32Array, dim: number, scale: number, pad: number): void;
  /** out[i] = x[i] · table[ids[i]]. */
  gatherDot(x: Float32Array, table: Float32Array, ids: Int32Array, out: Float32Array, dim: number): void;
  /** gx[i] = g[i] table[ids[i]] (overwrites); gt[ids[i]] += g[i] x[i]; either may be null. */
  gatherDotBackward(
    g: Float32Array,
    x: Float32Array,
    table: Float32Array,
    ids: Int32Array,
    gx: Float32Array | null,
    gt: Float32Array | null,
    dim: number,
  ): void;
  /** out[r] += row for each of `rows` rows. */
  addRows(out: Float32Array, row: Float32Array, rows: number): void;
  /** y = max(x, 0). */
  reluForward(x: Float32Array, y: Float32Array): void;
  /** g *= (x > 0), in place. */
  reluBackward(x: Float32Array, g: Float32Array): void;
  /** Dense Adam step over the whole buffer (gradient left as is). */
  adam(h: AdamHyper, b: AdamBuffers): void;
  /** Adam on rows `rows[0..count)` of width `dim` only; zeroes those gradient rows. */
  adamRows(h: AdamHyper, b: AdamBuffers, rows: Int32Array, count: number, dim: number): void;
  /**
   * im2col: copies each window of `img` into its row of `col` ([n·outH·outW, kh·kw·c], ordered ky, kx,
   * channel; cells over the padding are left as they are). With `back`, col2im: adds the rows back
   * into `img` instead.
   */
  patches(img: Float32Array, col: Float32Array, g: PatchGeometry, back: boolean): void;
  /**
   * A convolution layer's forward pass over the batch, `perChunk` pictures at a time (patches, then one
   * product per chunk): out = patches(x)·weightᵀ ([n·outH·outW, cOut]), added to out's values with `accumulate`.
   */
  convForward(
    x: Float32Array,
    weight: Float32Array,
    out: Float32Array,
    g: PatchGeometry,
    cOut: number,
    perChunk: number,
    accumulate: boolean,
  ): void;
  /** Its backward pass: gw += gradᵀ·patches(x) when gw is given; gx += col2im(grad·weight) when gx is given. */
  convBackward(
    x: Float32Array,
    weight: Float32Array,
    grad: Float32Array,
    gw: Float32Array | null,
    gx: Float32Array | null,
    g: PatchGeometry,
    cOut: number,
    perChunk: number,
  ): void;
  /** Per channel (last dim c) of x: mean and 1/sqrt(biased variance + eps). */
  channelStats(x: Float32Array, mean: Float32Array, rstd: Float32Array, c: number, eps: number): void;
  /** y = x·a + b per channel (c = a.length). */
  channelAffine(x: Float32Array, a: Float32Array, b: Float32Array, y: Float32Array): void;
  /** Per channel (c = mean.length): sumG = Σ g, sumGX = Σ g·(x − mean) (overwritten). */
  channelGradSums(g: Float32Array, x: Float32Array, mean: Float32Array, sumG: Float32Array, sumGX: Float32Array): void;
  /** dx = a·(g − k1 − (x − mean)·k2) per channel (c = mean.length): batch norm's input gradient. */
  channelGradInput(
    g: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    a: Float32Array,
    k1: Float32Array,
    k2: Float32Array,
    dx: Float32Array,
  ): void;
  setThreads(n: number): void;
}
