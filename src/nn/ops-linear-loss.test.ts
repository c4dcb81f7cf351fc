import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { backward } from './autograd.js';
import { nativeAvailable, withBackend } from './backend.js';
import { crossEntropy } from './ops-loss.js';
import { linearCrossEntropy } from './ops-linear-loss.js';
import { matmul } from './ops-matmul.js';
import { scale } from './ops-elementwise.js';
import { Tensor } from './tensor.js';

function randomTensor(shape: [number, number], seed: number): Tensor {
  const rng = createRng(seed);
  return new Tensor(
    Float32Array.from({ length: shape[0] * shape[1] }, () => rng.normal()),
    shape,
    true,
  );
}

/** Loss and both gradients of the fused op, and of the unfused matmul + crossEntropy it replaces. */
function both(rows: number, items: number, dim: number, chunkRows: number, temperature: number) {
  const rng = createRng(11);
  const targets = Int32Array.from({ length: rows }, () => rng.int(items));
  const run = (fused: boolean) => {
    const q = randomTensor([rows, dim], 1);
    const t = randomTensor([items, dim], 2);
    const loss = fused
      ? linearCrossEntropy(q, t, targets, { temperature, chunkRows })
      : crossEntropy(scale(matmul(q, t, { transB: true }), 1 / temperature), targets);
    backward(scale(loss, 3)); // an upstream gradient other than 1
    return { loss: loss.item(), dq: q.grad!, dt: t.grad! };
  };
  return { fused: run(true), plain: run(false) };
}

const backends = nativeAvailable() ? (['js', 'native'] as const) : (['js'] as const);

describe('linearCrossEntropy', () => {
  for (const backend of backends) {
    it(`equals matmul + crossEntropy in loss and gradients, whatever the chunking (${backend})`, () => {
      withBackend(backend, () => {
        for (const chunkRows of [1, 7, 64, 1000]) {
          const { fused, plain } = both(37, 23, 8, chunkRows, 0.7);
          expect(fused.loss).toBeCloseTo(plain.loss, 4);
          for (let i = 0; i < plain.dq.length; i++) expect(fused.dq[i]).toBeCloseTo(plain.dq[i], 5);
          for (let i = 0; i < plain.dt.length; i++) expect(fused.dt[i]).toBeCloseTo(plain.dt[i], 5);
        }
      });
    });
  }

  it('refuses a target outside the table', () => {
    expect(() => linearCrossEntropy(randomTensor([2, 3], 1), randomTensor([4, 3], 2), Int32Array.of(0, 4))).toThrow(/out of range/);
  });
});
