import type { ModelArtifact } from './artifact.js';
import type { Recommender } from './recommender.js';

/**
 * Zeroes training user `row` in an artifact of a `user-embedding` model (an erasure): its `userFactors`
 * hold one parameter row per training user, `rows` of them. False when the artifact has no such row.
 */
export function clearUserRow(artifact: ModelArtifact, row: number, rows: number): boolean {
  const factors = artifact.arrays.userFactors;
  if (!factors || rows <= 0 || factors.length % rows !== 0 || row < 0 || row >= rows) return false;
  const dim = factors.length / rows;
  factors.fill(0, row * dim, (row + 1) * dim);
  return true;
}

/**
 * Zeroes training user `row` in a live `user-embedding` model, so what it learned of that user leaves the
 * serving process at once. Such a model's `toArtifact()` hands out the arrays it scores with, not copies
 * (the capability's erasure contract, checked for every such model in user-rows.test.ts), so the row is
 * cleared in the model itself. False when the model keeps no row `row`.
 */
export function forgetUserRow(model: Recommender, row: number): boolean {
  const artifact = model.toArtifact();
  const rows = artifact.meta.users;
  return typeof rows === 'number' && clearUserRow(artifact, row, rows);
}
