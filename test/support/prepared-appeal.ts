import type { PreparedAppeal } from '../../src/explore/neural-params.js';

/** A neural policy's prepared request: candidates i0, i1, … scored by their means, with these sds. */
export function preparedAppeal(mean: number[], sd: number[], slots: number, weight = 1): PreparedAppeal {
  return {
    distinct: mean.map((score, i) => ({ itemId: `i${i}`, score })),
    slots,
    weight,
    mean: Float64Array.from(mean),
    sd: Float64Array.from(sd),
  };
}
