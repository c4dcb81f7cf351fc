import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { backward } from './autograd.js';
import { getThreads, nativeAvailable, setThreads, withBackend } from './backend.js';
import { BatchNorm, Conv2d } from './layers-conv.js';
import { conv2d } from './ops-conv.js';
import { mul } from './ops-elementwise.js';
import { sum } from './ops-reduce.js';
import { avgPool2d, globalAvgPool, maxPool2d } from './ops-pool.js';
import { Tensor } from './tensor.js';

const rng = createRng(11);
function rand(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float32Array.from({ length: n }, () => rng.normal()),
    shape,
  );
}

/** Direct convolution by definition (NHWC input, [cOut, kh, kw, cIn] weights, zero padding). */
function naiveConv(x: Tensor, w: Tensor, bias: Float32Array | null, stride: number, pad: number): number[] {
  const [n, h, wd, c] = x.shape;
  const [co, kh, kw] = w.shape;
  const oh = Math.floor((h + 2 * pad - kh) / stride) + 1;
  const ow = Math.floor((wd + 2 * pad - kw) / stride) + 1;
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let o = 0; o < co; o++) {
          let s = bias ? bias[o] : 0;
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const iy = oy * stride - pad + ky;
              const ix = ox * stride - pad + kx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
              for (let ci = 0; ci < c; ci++) s += x.data[((b * h + iy) * wd + ix) * c + ci] * w.data[((o * kh + ky) * kw + kx) * c + ci];
            }
          out.push(s);
        }
  return out;
}

const backends = nativeAvailable() ? (['js', 'native'] as const) : (['js'] as const);

describe.each(backends)('convolution and pooling compute their definitions (%s backend)', (backend) => {
  it.each([
    [3, 1, 1],
    [3, 2, 0],
    [2, 1, 0],
    [5, 2, 2],
  ])('conv2d with a %i×%i kernel, stride %i, padding %i equals the direct sum', (k, stride, pad) => {
    const x = rand([3, 7, 6, 2]);
    const w = rand([4, k, k, 2]);
    const bias = rand([4]);
    const y = withBackend(backend, () => conv2d(x, w, bias, { stride, padding: pad }));
    const expected = naiveConv(x, w, bias.data, stride, pad);
    expect(y.size).toBe(expected.length);
    y.data.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
  });

  it('a batch larger than one cache chunk gives the same values as picture by picture', () => {
    // 60 pictures of 16×16×8 with a 3×3 kernel: 60·256·72 values of patches, more than one chunk (2²⁰).
    const x = rand([60, 16, 16, 8]);
    const w = rand([6, 3, 3, 8]);
    const whole = withBackend(backend, () => conv2d(x, w, null, { padding: 1 }));
    const one = new Tensor(x.data.subarray(59 * 16 * 16 * 8), [1, 16, 16, 8]);
    const last = withBackend(backend, () => conv2d(one, w, null, { padding: 1 }));
    expect(Array.from(whole.data.subarray(59 * 16 * 16 * 6))).toEqual(Array.from(last.data));
  });
});

describe.runIf(nativeAvailable())('conv2d on several threads (native backend)', () => {
  /** Input and weight gradients of Σ conv2d(x, w)·r for fixed x, w, r (r makes every output count differently). */
  function gradients(backend: 'js' | 'native', threads: number): { gx: Float32Array; gw: Float32Array } {
    const before = getThreads();
    setThreads(threads);
    try {
      const local = createRng(5);
      const values = (n: number) => Float32Array.from({ length: n }, () => local.normal());
      // 120 pictures of 16×16×8: three cache chunks (56 pictures each), so both threads take some.
      const x = new Tensor(values(120 * 16 * 16 * 8), [120, 16, 16, 8], true);
      const w = new Tensor(values(6 * 3 * 3 * 8), [6, 3, 3, 8], true);
      const r = new Tensor(values(120 * 16 * 16 * 6), [120, 16, 16, 6]);
      withBackend(backend, () => backward(sum(mul(conv2d(x, w, null, { padding: 1 }), r))));
      return { gx: x.grad!.slice(), gw: w.grad!.slice() };
    } finally {
      setThreads(before);
    }
  }

  it("gives the js backend's gradients when its chunks are split over two threads, and the same bits every run", () => {
    const reference = gradients('js', 1);
    const first = gradients('native', 2);
    first.gx.forEach((v, i) => expect(v).toBeCloseTo(reference.gx[i], 3));
    first.gw.forEach((v, i) => expect(v).toBeCloseTo(reference.gw[i], 1));
    const again = gradients('native', 2);
    expect(Array.from(again.gw)).toEqual(Array.from(first.gw));
    expect(Array.from(again.gx)).toEqual(Array.from(first.gx));
  });
});

describe('pooling', () => {
  const x = new Tensor(
    Float32Array.from({ length: 16 }, (_, i) => i),
    [1, 4, 4, 1],
  );

  it('max and average pooling take each window', () => {
    expect(maxPool2d(x, 2).toArray()).toEqual([5, 7, 13, 15]);
    expect(avgPool2d(x, 2).toArray()).toEqual([2.5, 4.5, 10.5, 12.5]);
    // Padded windows: the padding never wins a max and is not counted in an average.
    expect(maxPool2d(x, 3, { stride: 2, padding: 1 }).toArray()).toEqual([5, 7, 13, 15]);
    expect(avgPool2d(x, 3, { stride: 2, padding: 1 }).toArray()).toEqual([2.5, 4, 8.5, 10]);
    expect(globalAvgPool(x).toArray()).toEqual([7.5]);
  });
});

describe('BatchNorm layer', () => {
  it('normalises each channel with batch statistics when training and running statistics in evaluation', () => {
    const bn = new BatchNorm(2, 0.5);
    const x = new Tensor(Float32Array.of(1, 10, 3, 20, 5, 30, 7, 40), [2, 2, 1, 2]);
    const y = bn.forward(x);
    for (const ch of [0, 1]) {
      const v = [0, 1, 2, 3].map((r) => y.data[r * 2 + ch]);
      const mean = v.reduce((a, b) => a + b) / 4;
      const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / 4;
      expect(mean).toBeCloseTo(0, 5);
      expect(variance).toBeCloseTo(1, 3);
    }
    // Running stats moved halfway (momentum 0.5) to the batch's mean and unbiased variance.
    expect(Array.from(bn.runningMean.data)).toEqual([2, 12.5]);
    expect(bn.runningVar.data[0]).toBeCloseTo(0.5 + 0.5 * (20 / 3), 4);
    bn.eval();
    const z = bn.forward(new Tensor(Float32Array.of(2, 12.5), [1, 2]));
    expect(z.data[0]).toBeCloseTo(0, 5);
    expect(z.data[1]).toBeCloseTo(0, 5);
    expect(bn.namedBuffers().map(([name]) => name)).toEqual(['runningMean', 'runningVar']);
  });

  it('Conv2d keeps the size at stride 1 with the default padding', () => {
    const conv = new Conv2d(3, 5, { rng: createRng(1), kernel: 3 });
    expect(conv.forward(rand([2, 6, 6, 3])).shape).toEqual([2, 6, 6, 5]);
    expect(conv.namedParameters().map(([n, t]) => `${n} ${t.shape}`)).toEqual(['weight 5,3,3,3', 'bias 5']);
  });
});
