import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRng } from '../core/index.js';
import { backward } from './autograd.js';
import { nativeAvailable, nativeUnavailableReason, withBackend } from './backend.js';
import { attention } from './ops-attention.js';
import { mul } from './ops-elementwise.js';
import { sum } from './ops-reduce.js';
import { SasrecEncoder } from './transformer.js';
import { Tensor } from './tensor.js';

if (!nativeAvailable()) console.warn(`skipping native-vs-js op tests: ${nativeUnavailableReason()}`);

function rand(shape: number[], seed: number): Tensor {
  const r = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float32Array.from({ length: n }, () => r.normal()),
    shape,
    true,
  );
}

function close(a: Float32Array, b: Float32Array, tol = 1e-4): void {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(a[i])));
  expect(worst).toBeLessThan(tol);
}

// Without OpenBLAS the comparisons below skip; CI sets CURIO_REQUIRE_NATIVE=1 (.ci/run), where a missing addon fails.
describe.runIf(process.env.CURIO_REQUIRE_NATIVE === '1')('native addon required (CURIO_REQUIRE_NATIVE=1)', () => {
  it('is available', () => {
    expect(nativeAvailable(), `CURIO_REQUIRE_NATIVE=1 but the native addon is unavailable: ${nativeUnavailableReason()}`).toBe(true);
  });
});

describe.skipIf(!nativeAvailable())('ops on native match ops on js', () => {
  it('attention forward and gradients (heads, causal row blocks)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 13 }),
        fc.constantFrom(1, 2, 4),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.nat(),
        (batch, len, heads, hd, causal, seed) => {
          const shape = [batch, len, heads * hd];
          const run = (backend: 'js' | 'native') =>
            withBackend(backend, () => {
              const [q, k, v] = [rand(shape, seed), rand(shape, seed + 1), rand(shape, seed + 2)];
              const out = attention(q, k, v, { heads, causal });
              const values = out.data.slice();
              backward(sum(mul(out, rand(shape, seed + 3))));
              return [values, q.grad, k.grad, v.grad] as Float32Array[];
            });
          const js = run('js');
          const nat = run('native');
          js.forEach((a, i) => close(a, nat[i]));
        },
      ),
      { numRuns: 25, seed: 7 },
    );
  });

  it('a SASRec encoder step gives the same loss and gradients', () => {
    const run = (backend: 'js' | 'native') =>
      withBackend(backend, () => {
        const enc = new SasrecEncoder({ rng: createRng(3), numItems: 30, maxLen: 9, dim: 8, blocks: 2, heads: 2 });
        const r = createRng(4);
        const seq = Int32Array.from({ length: 4 * 9 }, (_, i) => (i % 9 < 3 ? 0 : 1 + r.int(30)));
        const f = enc.forward(seq);
        const loss = sum(mul(f, rand(f.shape as number[], 5)));
        backward(loss);
        return [Float32Array.of(loss.item()), ...enc.parameters().map((p) => p.grad ?? new Float32Array(p.size))];
      });
    const js = run('js');
    const nat = run('native');
    js.forEach((a, i) => close(a, nat[i], 5e-4));
  });
});
