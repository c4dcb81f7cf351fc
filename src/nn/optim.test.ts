import { describe, expect, it } from 'vitest';
import { backward } from './autograd.js';
import { withBackend, nativeAvailable } from './backend.js';
import { gatherRows } from './ops-embedding.js';
import { mul, sub } from './ops-elementwise.js';
import { sum } from './ops-reduce.js';
import { Adam, AdamW } from './optim.js';
import { parameter, tensor, Tensor } from './tensor.js';

const backends = nativeAvailable() ? (['js', 'native'] as const) : (['js'] as const);

describe.each(backends)('optimisers (%s backend)', (backend) => {
  it('Adam takes the textbook first step: -lr * sign(g)', () =>
    withBackend(backend, () => {
      const w = parameter(Float32Array.of(1, -2, 3), [3]);
      const opt = new Adam([w], { learningRate: 0.1 });
      backward(sum(mul(w, tensor([2, -1, 0.5]))));
      opt.step();
      [0.9, -1.9, 2.9].forEach((v, i) => expect(w.data[i]).toBeCloseTo(v, 5));
      expect(w.grad?.every((g) => g === 0)).toBe(true);
    }));

  it('Adam minimises a quadratic', () =>
    withBackend(backend, () => {
      const w = parameter(Float32Array.of(5, -3), [2]);
      const target = tensor([1, 2]);
      const opt = new Adam([w], { learningRate: 0.1 });
      for (let i = 0; i < 300; i++) {
        const d = sub(w, target);
        backward(sum(mul(d, d)));
        opt.step();
      }
      expect(w.data[0]).toBeCloseTo(1, 2);
      expect(w.data[1]).toBeCloseTo(2, 2);
    }));

  it('lazy rows: only the embedding rows a batch used move, even with weight decay', () =>
    withBackend(backend, () => {
      const table = new Tensor(
        Float32Array.from({ length: 12 }, (_, i) => i + 1),
        [4, 3],
        true,
      ).trackRows();
      const before = table.data.slice();
      const opt = new AdamW([table], { learningRate: 0.1, weightDecay: 0.5 });
      backward(sum(gatherRows(table, Int32Array.of(1, 3, 1))));
      expect(table.rows?.count).toBe(2);
      opt.step();
      for (const row of [0, 2]) expect(table.data.slice(row * 3, row * 3 + 3)).toEqual(before.slice(row * 3, row * 3 + 3));
      for (const row of [1, 3]) expect(table.data[row * 3]).toBeLessThan(before[row * 3]);
      expect(table.rows?.count).toBe(0);
      expect(table.grad?.every((g) => g === 0)).toBe(true);
    }));

  it('AdamW decays weights with zero gradient, Adam with weight decay folds it into the gradient', () =>
    withBackend(backend, () => {
      const a = parameter(Float32Array.of(2), [1]);
      const b = parameter(Float32Array.of(2), [1]);
      const optA = new AdamW([a], { learningRate: 0.1, weightDecay: 0.1 });
      const optB = new Adam([b], { learningRate: 0.1, weightDecay: 0.1 });
      a.grad = new Float32Array(1);
      b.grad = new Float32Array(1);
      optA.step();
      optB.step();
      expect(a.data[0]).toBeCloseTo(2 - 0.1 * 0.1 * 2, 5); // lr * wd * w, no Adam normalisation
      expect(b.data[0]).toBeCloseTo(2 - 0.1, 4); // the L2 gradient is normalised to a full lr step
    }));

  it('rejects invalid options with a BAD_INPUT listing the field', () => {
    expect(() => new Adam([], { learningRate: -1 })).toThrow(/invalid optimiser options/);
  });
});
