import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { chooseRidge, fitVisualProjection, MIN_PROJECTION_ITEMS, RIDGE_GRID } from './projection.js';

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

  it('chooses the ridge by cross-validation: weak for a clean map, strong when the looks say little', () => {
    const rng = createRng(5);
    const [dv, dm, n] = [16, 4, 60];
    const truth = Float32Array.from({ length: dv * dm }, () => rng.next() * 2 - 1);
    const visual = Float32Array.from({ length: n * dv }, () => rng.next() * 2 - 1);
    const clean = new Float32Array(n * dm);
    for (let r = 0; r < n; r++)
      for (let j = 0; j < dm; j++) for (let i = 0; i < dv; i++) clean[r * dm + j] += visual[r * dv + i] * truth[i * dm + j];
    const noise = Float32Array.from({ length: n * dm }, () => 4 * (rng.next() * 2 - 1));
    const options = { visual, count: n, visualDim: dv, modelDim: dm };
    const fitted = fitVisualProjection({ ...options, model: clean })!;
    expect(fitted.ridge).toBe(RIDGE_GRID[0]);
    expect(chooseRidge({ ...options, model: noise })).toBe(RIDGE_GRID.at(-1));
    expect(fitVisualProjection({ ...options, model: clean, ridge: 2 })!.ridge).toBe(2);
  });

  it('declines to fit on too few items', () => {
    const n = MIN_PROJECTION_ITEMS - 1;
    expect(
      fitVisualProjection({ visual: new Float32Array(n * 2).fill(1), model: new Float32Array(n * 2), count: n, visualDim: 2, modelDim: 2 }),
    ).toBeNull();
  });
});
