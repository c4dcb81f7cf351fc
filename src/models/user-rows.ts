import type { ModelArtifact } from './artifact.js';
import { blendParts, changeBlendParts } from './blend.js';
import type { Recommender } from './recommender.js';
import { getModelSpec } from './registry.js';

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
 * The artifact with training users `userRows` (of `rows`) zeroed wherever it keeps a row per user: its own
 * `userFactors`, or those of a blend's parts, at any depth. Null when it keeps no such rows.
 */
export function clearUserRows(artifact: ModelArtifact, userRows: readonly number[], rows: number): ModelArtifact | null {
  if (artifact.modelId === 'blend') return changeBlendParts(artifact, (part) => clearUserRows(part, userRows, rows));
  return userRows.length > 0 && userRows.every((row) => clearUserRow(artifact, row, rows)) ? artifact : null;
}

/**
 * Zeroes training user `row` in a live model that keeps a row per user (a `user-embedding` model, or a
 * blend with such a part), so what it learned of that user leaves the serving process at once. Such a
 * model's `toArtifact()` hands out the arrays it scores with, not copies (the capability's erasure
 * contract, checked for every such model in user-rows.test.ts), so the row is cleared in the model itself.
 * False when the model keeps no row `row`.
 */
export function forgetUserRow(model: Recommender, row: number): boolean {
  const parts = blendParts(model);
  if (parts) return parts.map((part) => forgetUserRow(part.model, row)).some(Boolean);
  const artifact = model.toArtifact();
  const rows = artifact.meta.users;
  return typeof rows === 'number' && clearUserRow(artifact, row, rows);
}

/** Whether a model keeps a parameter row per training user: a `user-embedding` family, or a blend with one. */
export function holdsUserRows(model: Recommender): boolean {
  const parts = blendParts(model);
  if (parts) return parts.some((part) => holdsUserRows(part.model));
  return getModelSpec(model.id).capabilities.includes('user-embedding');
}
