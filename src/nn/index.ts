/**
 * src/nn: Curio's neural engine — tensors with reverse-mode autograd, the ops recommendation models
 * need, layers, Adam/AdamW with lazy embedding rows, seeded init, tensor files, and two kernel
 * backends (`native`: C + OpenBLAS; `js`: the plain TypeScript reference). See docs/nn.md.
 */
export { Tensor, RowTracker, tensor, zeros, full, parameter, sizeOf } from './tensor.js';
export { backward, noGrad, isGradEnabled } from './autograd.js';
export { add, sub, mul, div, affine, scale, relu, gelu, silu, sigmoid, exp, log } from './ops-elementwise.js';
export { matmul, linear, type MatmulOptions, type LinearOpOptions } from './ops-matmul.js';
export { gatherRows, gatherDot, type GatherOptions } from './ops-embedding.js';
export { layerNorm, l2Normalize } from './ops-norm.js';
export { softmax, attention, type SoftmaxOptions, type AttentionOptions } from './ops-attention.js';
export { scoredAttention, pointwiseAttention, type AttentionWeights, type ScoredAttentionOptions } from './ops-pointwise-attention.js';
export { relativeBias, distanceBucket, distanceBuckets, type RelativeBiasOptions, type PairTimes } from './ops-position-bias.js';
export {
  logSoftmax,
  crossEntropy,
  bceWithLogits,
  sampledSoftmaxLoss,
  type Reduction,
  type CrossEntropyOptions,
  type BceOptions,
  type SampledSoftmaxOptions,
} from './ops-loss.js';
export { linearCrossEntropy, type LinearCrossEntropyOptions } from './ops-linear-loss.js';
export { sum, mean, type ReduceOptions } from './ops-reduce.js';
export { reshape, slice, concat, permute, transpose, maskRows } from './ops-shape.js';
export { dropout } from './ops-dropout.js';
export { conv2d, im2col, type Conv2dOptions } from './ops-conv.js';
export { maxPool2d, avgPool2d, globalAvgPool, type PoolOptions } from './ops-pool.js';
export { batchNorm, type BatchNormStats, type BatchNormOptions } from './ops-batchnorm.js';
export { normalInit, uniformInit, xavierUniform, constantInit, withoutRandomInit } from './init.js';
export { Module } from './module.js';
export {
  Embedding,
  Linear,
  LayerNorm,
  FeedForward,
  type Activation,
  type EmbeddingOptions,
  type LinearOptions,
  type FeedForwardOptions,
} from './layers.js';
export { Conv2d, BatchNorm, type Conv2dLayerOptions } from './layers-conv.js';
export {
  CausalSelfAttention,
  TransformerBlock,
  SasrecEncoder,
  type BlockStyle,
  type SelfAttentionOptions,
  type TransformerBlockOptions,
  type SasrecEncoderOptions,
  type AttentionExtras,
} from './transformer.js';
export { AttentionBias, type AttentionBiasOptions, type SequenceContext } from './attention-bias.js';
export {
  HstuBlock,
  createSequenceBlock,
  type HstuBlockOptions,
  type SequenceBlock,
  type SequenceBlockStyle,
  type SequenceBlockOptions,
} from './hstu.js';
export { Adam, AdamW, AdamOptionsSchema, type AdamOptions } from './optim.js';
export {
  encodeTensors,
  decodeTensors,
  saveTensors,
  loadTensors,
  stateDict,
  loadStateDict,
  TENSOR_FORMAT_VERSION,
  type TensorBundle,
} from './serialize.js';
export {
  kernels,
  useBackend,
  backendName,
  withBackend,
  setThreads,
  getThreads,
  nativeAvailable,
  nativeUnavailableReason,
} from './backend.js';
export type { BackendName, Kernels } from './kernels.js';
export { tidy, releasePool } from './memory.js';
export { steadyAllocator, type Allocator } from './allocator.js';
