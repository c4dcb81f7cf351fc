import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { fitVisualProjection, MIN_PROJECTION_ITEMS } from './projection.js';

describe('fitVisualProjection', () => {
  it('recovers a linear map from looks to item vectors and predicts items it was not fitted on', () => {
    const rng = createRng(3);
    const [dv, dm, n] = [6, 4, 200];
    const truth = Float32Array.from({ length: dv * dm }, () => rng.next() * 2 - 1);
    const look = () => Float32Array.from({ length: dv }, () => rng.next() * 2 - 1);
    const apply = (x: Float32Array) =>
      Float32Array.from({ length: dm }, (_, j) => x.reduce((s, xi, i) => s + xi * truth[i * dm + j], 0) + 0.01 * (rng.next() - 0.5));
    const xs = Array.from({ length: n }, look);
    const visual = new Float32Array(n * dv);
    const model = new Float32Array(n * dm);
    xs.forEach((x, r) => {
      visual.set(x, r * dv);
      model.set(apply(x), r * dm);
    });
    const projection = fitVisualProjection({ visual, model, count: n, visualDim: dv, modelDim: dm, ridge: 1e-4 })!;
    expect(projection.count).toBe(n);
    const fresh = look();
    const want = apply(fresh);
    const got = projection.project(fresh);
    for (let j = 0; j < dm; j++) expect(got[j]).toBeCloseTo(want[j], 1);
    // Ridge shrinks towards zero: a strong one gives a shorter vector.
    const shrunk = fitVisualProjection({ visual, model, count: n, visualDim: dv, modelDim: dm, ridge: 100 })!.project(fresh);
    const norm = (v: Float32Array) => Math.hypot(...v);
    expect(norm(shrunk)).toBeLessThan(0.5 * norm(got));
  });

  it('declines to fit on too few items', () => {
    const n = MIN_PROJECTION_ITEMS - 1;
    expect(
      fitVisualProjection({ visual: new Float32Array(n * 2).fill(1), model: new Float32Array(n * 2), count: n, visualDim: 2, modelDim: 2 }),
    ).toBeNull();
  });
});
