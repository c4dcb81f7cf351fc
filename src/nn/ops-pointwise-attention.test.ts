import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { backward, noGrad } from './autograd.js';
import { nativeAvailable, withBackend } from './backend.js';
import { gradCheck } from './gradcheck.js';
import { HstuBlock } from './hstu.js';
import { attention } from './ops-attention.js';
import { scoredAttention } from './ops-pointwise-attention.js';
import { distanceBucket, distanceBuckets, relativeBias } from './ops-position-bias.js';
import { mul } from './ops-elementwise.js';
import { sum } from './ops-reduce.js';
import { Tensor } from './tensor.js';
import { TransformerBlock } from './transformer.js';

const rng = createRng(11);
function p(shape: number[], s = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float32Array.from({ length: n }, () => rng.normal() * s),
    shape,
    true,
  );
}
/** Left padding: the first `pads[b]` positions of row b are padding. */
function leftPadded(len: number, pads: number[]): Uint8Array {
  return Uint8Array.from({ length: pads.length * len }, (_, k) => (k % len >= pads[Math.floor(k / len)] ? 1 : 0));
}
const pairs = (batch: number, len: number, buckets: number, seed = 5): Int32Array => {
  const r = createRng(seed);
  return Int32Array.from({ length: batch * len * len }, () => (r.next() < 0.1 ? -1 : r.int(buckets)));
};

type Case = [string, () => { f: (x: Tensor[]) => Tensor; xs: Tensor[] }];

const cases: Case[] = [
  [
    'softmax + shared bias, causal, 2 heads',
    () => ({
      f: ([q, k, v, b]) => scoredAttention(q, k, v, { causal: true, heads: 2, bias: b }),
      xs: [p([2, 6, 4]), p([2, 6, 4]), p([2, 6, 4]), p([2, 6, 6])],
    }),
  ],
  [
    'softmax + batched bias + key mask',
    () => ({
      f: ([q, k, v, b]) => scoredAttention(q, k, v, { heads: 2, bias: b, keyMask: leftPadded(5, [0, 2]) }),
      xs: [p([2, 5, 4]), p([2, 5, 4]), p([2, 5, 4]), p([2, 2, 5, 5])],
    }),
  ],
  [
    'softmax, every key of some rows masked',
    () => ({
      f: ([q, k, v]) => scoredAttention(q, k, v, { causal: true, keyMask: leftPadded(4, [2]) }),
      xs: [p([1, 4, 3]), p([1, 4, 3]), p([1, 4, 3])],
    }),
  ],
  [
    'pointwise causal, 2 heads',
    () => ({
      f: ([q, k, v]) => scoredAttention(q, k, v, { causal: true, heads: 2, weights: 'pointwise' }),
      xs: [p([2, 9, 4]), p([2, 9, 4]), p([2, 9, 4])],
    }),
  ],
  [
    'pointwise + bias + key mask + norm',
    () => ({
      f: ([q, k, v, b]) =>
        scoredAttention(q, k, v, {
          causal: true,
          heads: 2,
          weights: 'pointwise',
          bias: b,
          norm: 7,
          keyMask: leftPadded(6, [1, 3]),
          scale: 0.5,
        }),
      xs: [p([2, 6, 4]), p([2, 6, 4]), p([2, 6, 4]), p([2, 2, 6, 6])],
    }),
  ],
  [
    'pointwise, not causal',
    () => ({
      f: ([q, k, v]) => scoredAttention(q, k, v, { weights: 'pointwise' }),
      xs: [p([2, 5, 3]), p([2, 5, 3]), p([2, 5, 3])],
    }),
  ],
  [
    'pointwise shared qkv',
    () => ({
      f: ([x]) => scoredAttention(x, x, x, { causal: true, weights: 'pointwise' }),
      xs: [p([1, 5, 3])],
    }),
  ],
  [
    'relativeBias, distances (past 16: log buckets)',
    () => ({
      f: ([d]) => relativeBias({ distances: d, len: 20 }),
      xs: [p([2, distanceBuckets(20)])],
    }),
  ],
  [
    'relativeBias, distances + times',
    () => ({
      f: ([d, t]) => relativeBias({ distances: d, len: 5, times: { table: t, pairs: pairs(2, 5, 6), batch: 2 } }),
      xs: [p([2, distanceBuckets(5)]), p([2, 6])],
    }),
  ],
  [
    'relativeBias, times only',
    () => ({
      f: ([t]) => relativeBias({ distances: null, len: 4, times: { table: t, pairs: pairs(3, 4, 3), batch: 3 } }),
      xs: [p([1, 3])],
    }),
  ],
  [
    'HstuBlock (input, weights, bias tables)',
    () => {
      const block = new HstuBlock(4, { rng: createRng(2), heads: 2, maxLen: 6, relativeBias: true, timeBuckets: 4 });
      for (const t of [block.bias?.distances, block.bias?.times]) if (t) t.data.forEach((_, i, a) => (a[i] = rng.normal() * 0.3));
      const ctx = { keep: leftPadded(6, [0, 2]), pairTimes: pairs(2, 6, 4) };
      return {
        f: ([x]) => block.forward(x, ctx),
        xs: [p([2, 6, 4]), block.q.weight, block.u.weight, block.bias?.distances as Tensor, block.bias?.times as Tensor],
      };
    },
  ],
];

const backends = nativeAvailable() ? (['js', 'native'] as const) : (['js'] as const);

describe.each(backends)('attention variants: gradients match finite differences (%s backend)', (backend) => {
  it.each(cases)('%s', (_name, make) => {
    const { f, xs } = make();
    const result = withBackend(backend, () => gradCheck(f, xs));
    expect(result.worst, result.where).toBeLessThanOrEqual(1);
  });
});

/** Plain-loop reference: out[b, i, h] = sum_j f(scale q_i . k_j + bias) v_j over the keys a row sees. */
function reference(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  o: { heads: number; norm: number; bias: Float32Array; keep: Uint8Array },
): Float32Array {
  const [batch, len, dim] = q.shape;
  const hd = dim / o.heads;
  const out = new Float32Array(q.size);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < o.heads; h++) {
      for (let i = 0; i < len; i++) {
        for (let j = 0; j <= i; j++) {
          if (!o.keep[b * len + j]) continue;
          let s = o.bias[(h * len + i) * len + j];
          for (let c = 0; c < hd; c++) s += q.data[(b * len + i) * dim + h * hd + c] * k.data[(b * len + j) * dim + h * hd + c];
          const w = s / (1 + Math.exp(-s)) / o.norm;
          for (let c = 0; c < hd; c++) out[(b * len + i) * dim + h * hd + c] += w * v.data[(b * len + j) * dim + h * hd + c];
        }
      }
    }
  }
  return out;
}

describe('scoredAttention', () => {
  it('with softmax weights and no bias or mask is attention(): same values and gradients', () => {
    const [q, k, v] = [p([3, 7, 6]), p([3, 7, 6]), p([3, 7, 6])];
    const r = p([3, 7, 6]);
    const grads = (f: () => Tensor): Float32Array[] => {
      for (const t of [q, k, v]) t.grad = null;
      const out = f();
      backward(sum(mul(out, r)));
      return [out.data.slice(), ...[q, k, v].map((t) => (t.grad as Float32Array).slice())];
    };
    const a = grads(() => attention(q, k, v, { heads: 2, causal: true }));
    const b = grads(() => scoredAttention(q, k, v, { heads: 2, causal: true }));
    a.forEach((x, n) => x.forEach((y, i) => expect(b[n][i]).toBeCloseTo(y, 5)));
  });

  it('pointwise weights match a plain-loop reference of SiLU(qk + bias) / n', () => {
    const [q, k, v] = [p([2, 6, 4]), p([2, 6, 4]), p([2, 6, 4])];
    const bias = p([2, 6, 6], 0.5);
    const keep = leftPadded(6, [0, 3]);
    const out = noGrad(() => scoredAttention(q, k, v, { heads: 2, causal: true, weights: 'pointwise', bias, keyMask: keep, norm: 10 }));
    const want = reference(q, k, v, { heads: 2, norm: 10, bias: bias.data, keep });
    want.forEach((y, i) => expect(out.data[i]).toBeCloseTo(y, 5));
  });
});

describe('relative position bias', () => {
  it('gives distances below 16 a bucket each and longer ones 4 buckets per doubling', () => {
    expect(Array.from({ length: 17 }, (_, d) => distanceBucket(d))).toEqual(Array.from({ length: 17 }, (_, d) => d));
    expect([distanceBucket(31), distanceBucket(32), distanceBucket(63), distanceBucket(64)]).toEqual([19, 20, 23, 24]);
    expect(distanceBuckets(50)).toBe(distanceBucket(49) + 1);
  });

  it('is the same function of the real events whatever the left padding (hstu block; pre-ln block with pointwise weights)', () => {
    const ctx = (pad: number) => ({ keep: leftPadded(5 + pad, [pad]) });
    const blocks = [
      new HstuBlock(4, { rng: createRng(3), heads: 2, maxLen: 8, relativeBias: true }),
      new TransformerBlock(4, { rng: createRng(3), heads: 2, maxLen: 8, relativeBias: true, attention: 'pointwise', style: 'pre-ln' }),
    ];
    for (const block of blocks) {
      const bias = block.bias?.distances as Tensor;
      bias.data.forEach((_, i, a) => (a[i] = rng.normal()));
      const x = p([1, 5, 4]);
      const padded = new Tensor(new Float32Array(8 * 4), [1, 8, 4]);
      padded.data.set(x.data, 3 * 4);
      const short = noGrad(() => block.forward(x, ctx(0)));
      const long = noGrad(() => block.forward(padded, ctx(3)));
      short.data.forEach((y, i) => expect(long.data[3 * 4 + i]).toBeCloseTo(y, 5));
    }
  });
});
