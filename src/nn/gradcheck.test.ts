import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { gradCheck } from './gradcheck.js';
import { nativeAvailable, withBackend } from './backend.js';
import { add, affine, div, exp, gelu, log, mul, relu, sigmoid, silu, sub } from './ops-elementwise.js';
import { linear, matmul } from './ops-matmul.js';
import { gatherDot, gatherRows } from './ops-embedding.js';
import { l2Normalize, layerNorm } from './ops-norm.js';
import { attention, softmax } from './ops-attention.js';
import { bceWithLogits, crossEntropy, logSoftmax, sampledSoftmaxLoss } from './ops-loss.js';
import { linearCrossEntropy } from './ops-linear-loss.js';
import { mean, sum } from './ops-reduce.js';
import { concat, maskRows, permute, reshape, slice, transpose } from './ops-shape.js';
import { dropout } from './ops-dropout.js';
import { conv2d, im2col } from './ops-conv.js';
import { avgPool2d, globalAvgPool, maxPool2d } from './ops-pool.js';
import { batchNorm } from './ops-batchnorm.js';
import { Tensor } from './tensor.js';
import { TokenMixer } from './token-mixer.js';

const rng = createRng(7);
/** A trainable input with N(0, s^2) values (optionally shifted away from a kink). */
function p(shape: number[], s = 1, shift = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float32Array.from({ length: n }, () => rng.normal() * s + shift),
    shape,
    true,
  );
}
/** Values bounded away from 0 in magnitude (for relu / div). */
function away(shape: number[]): Tensor {
  const t = p(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = Math.sign(t.data[i] || 1) * (0.2 + Math.abs(t.data[i]));
  return t;
}
/** A trainable input holding a shuffled ramp (all values distinct, 0.1 apart). */
function ramp(shape: number[]): Tensor {
  const t = p(shape);
  const order = Array.from({ length: t.size }, (_, i) => i).sort((a, b) => t.data[a] - t.data[b]);
  order.forEach((at, rank) => (t.data[at] = rank * 0.1));
  return t;
}
/** Running statistics that a training-mode batch norm may update (the check calls f many times). */
const freshStats = (c: number) => ({ mean: new Float32Array(c), variance: new Float32Array(c).fill(1) });
const ids = (n: number, rows: number, seed = 3) => {
  const r = createRng(seed);
  return Int32Array.from({ length: n }, () => r.int(rows));
};

type Case = [string, () => { f: (x: Tensor[]) => Tensor; xs: Tensor[] }];

const cases: Case[] = [
  ['add same', () => ({ f: ([a, b]) => add(a, b), xs: [p([3, 4]), p([3, 4])] })],
  ['add tile', () => ({ f: ([a, b]) => add(a, b), xs: [p([2, 3, 4]), p([3, 4])] })],
  ['add spread', () => ({ f: ([a, b]) => add(a, b), xs: [p([2, 3, 4]), p([2, 3, 1])] })],
  ['add general (middle 1)', () => ({ f: ([a, b]) => add(a, b), xs: [p([2, 3, 4]), p([2, 1, 4])] })],
  ['add broadcast on a', () => ({ f: ([a, b]) => add(a, b), xs: [p([4]), p([3, 4])] })],
  ['sub broadcast', () => ({ f: ([a, b]) => sub(a, b), xs: [p([3, 1]), p([1, 4])] })],
  ['mul same', () => ({ f: ([a, b]) => mul(a, b), xs: [p([3, 4]), p([3, 4])] })],
  ['mul spread', () => ({ f: ([a, b]) => mul(a, b), xs: [p([2, 3, 4]), p([2, 3, 1])] })],
  ['mul scalar', () => ({ f: ([a, b]) => mul(a, b), xs: [p([3, 4]), p([1])] })],
  ['mul self', () => ({ f: ([a]) => mul(a, a), xs: [p([5])] })],
  ['div', () => ({ f: ([a, b]) => div(a, b), xs: [p([3, 4]), away([4])] })],
  ['affine', () => ({ f: ([a]) => affine(a, 1.7, -0.3), xs: [p([6])] })],
  ['relu', () => ({ f: ([a]) => relu(a), xs: [away([10])] })],
  ['gelu', () => ({ f: ([a]) => gelu(a), xs: [p([10])] })],
  ['silu', () => ({ f: ([a]) => silu(a), xs: [p([10])] })],
  ['sigmoid', () => ({ f: ([a]) => sigmoid(a), xs: [p([10])] })],
  ['exp', () => ({ f: ([a]) => exp(a), xs: [p([10], 0.5)] })],
  ['log', () => ({ f: ([a]) => log(a), xs: [p([10], 0.1, 2)] })],
  ['matmul', () => ({ f: ([a, b]) => matmul(a, b), xs: [p([3, 4]), p([4, 5])] })],
  ['matmul transA', () => ({ f: ([a, b]) => matmul(a, b, { transA: true }), xs: [p([4, 3]), p([4, 5])] })],
  ['matmul transB', () => ({ f: ([a, b]) => matmul(a, b, { transB: true }), xs: [p([3, 4]), p([5, 4])] })],
  ['matmul both', () => ({ f: ([a, b]) => matmul(a, b, { transA: true, transB: true }), xs: [p([4, 3]), p([5, 4])] })],
  ['matmul batched', () => ({ f: ([a, b]) => matmul(a, b, { transB: true }), xs: [p([2, 3, 4]), p([2, 5, 4])] })],
  ['matmul batched transA', () => ({ f: ([a, b]) => matmul(a, b, { transA: true }), xs: [p([2, 4, 3]), p([2, 4, 5])] })],
  ['matmul shared b', () => ({ f: ([a, b]) => matmul(a, b), xs: [p([2, 3, 4]), p([4, 5])] })],
  ['matmul shared b, transB', () => ({ f: ([a, b]) => matmul(a, b, { transB: true }), xs: [p([2, 3, 4]), p([5, 4])] })],
  ['matmul shared b, transA', () => ({ f: ([a, b]) => matmul(a, b, { transA: true }), xs: [p([2, 4, 3]), p([4, 5])] })],
  ['linear', () => ({ f: ([x, w, b]) => linear(x, w, b), xs: [p([2, 3, 4]), p([5, 4]), p([5])] })],
  [
    'linear + residual',
    () => ({ f: ([x, w, b, r]) => linear(x, w, b, { residual: r }), xs: [p([2, 3, 4]), p([5, 4]), p([5]), p([2, 3, 5])] }),
  ],
  ['linear no bias', () => ({ f: ([x, w]) => linear(x, w, null), xs: [p([3, 4]), p([5, 4])] })],
  ['gatherRows', () => ({ f: ([t]) => gatherRows(t, ids(7, 5), { shape: [7] }), xs: [p([5, 3])] })],
  ['gatherRows padding', () => ({ f: ([t]) => mul(gatherRows(t, Int32Array.of(0, 1, 2), { paddingIdx: 9 }), t), xs: [p([3, 3])] })],
  ['gatherRows scaled', () => ({ f: ([t]) => gatherRows(t, ids(4, 5), { scale: 1.5 }), xs: [p([5, 3])] })],
  ['maskRows', () => ({ f: ([x]) => maskRows(x, Uint8Array.of(1, 0, 1)), xs: [p([3, 2])] })],
  ['gatherDot', () => ({ f: ([x, t]) => gatherDot(x, t, ids(6, 4)), xs: [p([2, 3, 5]), p([4, 5])] })],
  ['layerNorm', () => ({ f: ([x, g, b]) => layerNorm(x, g, b), xs: [p([3, 6]), p([6], 0.5, 1), p([6])] })],
  ['l2Normalize', () => ({ f: ([x]) => l2Normalize(x), xs: [p([3, 5])] })],
  ['softmax', () => ({ f: ([x]) => softmax(x), xs: [p([3, 5])] })],
  ['softmax scaled causal', () => ({ f: ([x]) => softmax(x, { causal: true, scale: 0.7 }), xs: [p([2, 4, 4])] })],
  ['attention', () => ({ f: ([q, k, v]) => attention(q, k, v), xs: [p([2, 5, 4]), p([2, 5, 4]), p([2, 5, 4])] })],
  [
    'attention causal 2 heads',
    () => ({ f: ([q, k, v]) => attention(q, k, v, { causal: true, heads: 2 }), xs: [p([2, 6, 4]), p([2, 6, 4]), p([2, 6, 4])] }),
  ],
  ['attention shared qkv', () => ({ f: ([x]) => attention(x, x, x, { causal: true }), xs: [p([1, 5, 3])] })],
  ['logSoftmax', () => ({ f: ([x]) => logSoftmax(x), xs: [p([3, 5])] })],
  ['crossEntropy', () => ({ f: ([x]) => crossEntropy(x, Int32Array.of(1, 4, 0)), xs: [p([3, 5])] })],
  [
    'crossEntropy ignore, sum',
    () => ({ f: ([x]) => crossEntropy(x, Int32Array.of(1, -100, 0), { ignoreIndex: -100, reduction: 'sum' }), xs: [p([3, 5])] }),
  ],
  ['bceWithLogits mean', () => ({ f: ([x]) => bceWithLogits(x, Float32Array.of(1, 0, 1, 0)), xs: [p([4])] })],
  [
    'bceWithLogits weighted sum',
    () => ({ f: ([x]) => bceWithLogits(x, 1, { weights: Float32Array.of(1, 0, 2, 1), reduction: 'sum' }), xs: [p([4])] }),
  ],
  ['bceWithLogits none', () => ({ f: ([x]) => bceWithLogits(x, 0, { reduction: 'none' }), xs: [p([2, 2])] })],
  [
    'sampledSoftmaxLoss',
    () => ({
      f: ([q, t]) =>
        sampledSoftmaxLoss({
          queries: q,
          table: t,
          positives: Int32Array.of(1, 2, 3),
          negatives: Int32Array.of(0, 2, 4),
          logQ: Float32Array.of(-1, -2, -1.5, -3, -2.5),
          temperature: 0.5,
        }),
      xs: [p([3, 4]), p([5, 4])],
    }),
  ],
  [
    'linearCrossEntropy in chunks of 2 rows',
    () => ({
      f: ([q, t]) => linearCrossEntropy(q, t, Int32Array.of(1, 4, 0, 2, 4), { temperature: 0.5, chunkRows: 2 }),
      xs: [p([5, 3]), p([6, 3])],
    }),
  ],
  [
    'token mixer, shorter than maxLen',
    () => {
      const mixer = new TokenMixer(6);
      for (let i = 0; i < mixer.weight.size; i++) mixer.weight.data[i] += rng.normal() * 0.5;
      return { f: ([x, w]) => (mixer.weight.data.set(w.data), mixer.forward(x)), xs: [p([2, 4, 3]), mixer.weight] };
    },
  ],
  [
    'token mixer per lag, shorter than maxLen',
    () => {
      const mixer = new TokenMixer(6, 'lags');
      for (let i = 0; i < mixer.weight.size; i++) mixer.weight.data[i] += rng.normal() * 0.5;
      return { f: ([x, w]) => (mixer.weight.data.set(w.data), mixer.forward(x, true)), xs: [p([2, 4, 3]), mixer.weight] };
    },
  ],
  [
    'token mixer, shorter than maxLen, rows from the oldest',
    () => {
      const mixer = new TokenMixer(6);
      for (let i = 0; i < mixer.weight.size; i++) mixer.weight.data[i] += rng.normal() * 0.5;
      return { f: ([x, w]) => (mixer.weight.data.set(w.data), mixer.forward(x, true)), xs: [p([2, 4, 3]), mixer.weight] };
    },
  ],
  ['sum all', () => ({ f: ([x]) => sum(x), xs: [p([3, 4])] })],
  ['sum axis', () => ({ f: ([x]) => sum(x, { axis: 1 }), xs: [p([2, 3, 4])] })],
  ['mean axis keepDims', () => ({ f: ([x]) => mean(x, { axis: -1, keepDims: true }), xs: [p([2, 3, 4])] })],
  ['mean all', () => ({ f: ([x]) => mean(x), xs: [p([3, 4])] })],
  ['reshape', () => ({ f: ([x]) => mul(reshape(x, [4, -1]), reshape(x, [4, 3])), xs: [p([2, 6])] })],
  ['slice', () => ({ f: ([x]) => slice(x, 1, 1, 3), xs: [p([2, 4, 3])] })],
  ['concat', () => ({ f: ([a, b]) => concat([a, b, a], -1), xs: [p([2, 3]), p([2, 2])] })],
  ['permute', () => ({ f: ([x]) => permute(x, [2, 0, 1]), xs: [p([2, 3, 4])] })],
  ['transpose', () => ({ f: ([x]) => transpose(x), xs: [p([2, 3, 4])] })],
  ['dropout', () => ({ f: ([x]) => dropout(x, 0.3, createRng(5)), xs: [p([20])] })],
  ['im2col 3×3 padded', () => ({ f: ([x]) => im2col(x, 3, 3, { padding: 1 }), xs: [p([2, 4, 5, 2])] })],
  [
    'conv2d 3×3 padded + bias',
    () => ({ f: ([x, w, b]) => conv2d(x, w, b, { padding: 1 }), xs: [p([2, 5, 4, 3]), p([4, 3, 3, 3], 0.3), p([4])] }),
  ],
  ['conv2d 2×3 stride 2', () => ({ f: ([x, w]) => conv2d(x, w, null, { stride: 2 }), xs: [p([2, 6, 7, 2]), p([3, 2, 3, 2], 0.3)] })],
  ['conv2d 1×1', () => ({ f: ([x, w, b]) => conv2d(x, w, b), xs: [p([2, 3, 3, 4]), p([5, 1, 1, 4], 0.3), p([5])] })],
  // Distinct values (a shuffled ramp) keep each window's maximum away from a tie the probe could cross.
  ['maxPool2d 2×2', () => ({ f: ([x]) => maxPool2d(x, 2), xs: [ramp([2, 4, 6, 3])] })],
  ['maxPool2d 3×3 stride 2 padded', () => ({ f: ([x]) => maxPool2d(x, 3, { stride: 2, padding: 1 }), xs: [ramp([1, 5, 5, 2])] })],
  ['avgPool2d 2×2', () => ({ f: ([x]) => avgPool2d(x, 2), xs: [p([2, 4, 4, 3])] })],
  ['avgPool2d 3×3 stride 2 padded', () => ({ f: ([x]) => avgPool2d(x, 3, { stride: 2, padding: 1 }), xs: [p([1, 5, 5, 2])] })],
  ['globalAvgPool', () => ({ f: ([x]) => globalAvgPool(x), xs: [p([2, 3, 4, 5])] })],
  [
    'batchNorm training (NHWC)',
    () => ({
      f: ([x, g, b]) => batchNorm(x, g, b, freshStats(3), { training: true }),
      xs: [p([2, 3, 4, 3], 1, 0.5), p([3], 0.5, 1), p([3])],
    }),
  ],
  [
    'batchNorm training ([n, d])',
    () => ({ f: ([x, g, b]) => batchNorm(x, g, b, freshStats(4), { training: true }), xs: [p([6, 4], 2, 1), p([4], 0.5, 1), p([4])] }),
  ],
  [
    'batchNorm evaluation',
    () => {
      const stats = { mean: Float32Array.of(0.5, -1, 0.2), variance: Float32Array.of(2, 0.5, 1.5) };
      return { f: ([x, g, b]) => batchNorm(x, g, b, stats, { training: false }), xs: [p([2, 2, 2, 3]), p([3], 0.5, 1), p([3])] };
    },
  ],
];

const backends = nativeAvailable() ? (['js', 'native'] as const) : (['js'] as const);

describe.each(backends)('gradients match finite differences (%s backend)', (backend) => {
  it.each(cases)('%s', (_name, make) => {
    const { f, xs } = make();
    const result = withBackend(backend, () => gradCheck(f, xs));
    expect(result.worst, result.where).toBeLessThanOrEqual(1);
  });
});
