import type { ModelArtifact } from './artifact.js';
import { blendParts, changeBlendParts } from './blend.js';
import type { Recommender } from './recommender.js';
import { getModelSpec } from './registry.js';

/**
 * Empties training user `row` in an artifact of a family that keeps something per user (ModelSpec.clearUserRow:
 * BPR's and iALS's user factors, sknn's sequences). False when the family keeps no such row, or not this one.
 */
export function clearUserRow(artifact: ModelArtifact, row: number): boolean {
  const clear = getModelSpec(artifact.modelId).clearUserRow;
  return clear !== undefined && clear(artifact, row);
}

/**
 * The artifact with training users `userRows` emptied wherever it keeps a row per user: in its own family's
 * arrays, or in those of a blend's parts, at any depth. Null when it keeps no such rows.
 */
export function clearUserRows(artifact: ModelArtifact, userRows: readonly number[]): ModelArtifact | null {
  if (artifact.modelId === 'blend') return changeBlendParts(artifact, (part) => clearUserRows(part, userRows));
  return userRows.length > 0 && userRows.every((row) => clearUserRow(artifact, row)) ? artifact : null;
}

/**
 * Empties training user `row` in a live model that keeps a row per user (or a blend with such a part), so what
 * it learned of that user leaves the serving process at once. Such a model's `toArtifact()` hands out the
 * arrays it scores with, not copies (the erasure contract, checked for every such family in
 * user-rows.test.ts), so the row is cleared in the model itself. False when the model keeps no row `row`.
 */
export function forgetUserRow(model: Recommender, row: number): boolean {
  const parts = blendParts(model);
  if (parts) return parts.map((part) => forgetUserRow(part.model, row)).some(Boolean);
  return clearUserRow(model.toArtifact(), row);
}

/** Whether a model keeps a row per training user (its family clears rows), or a blend with such a part. */
export function holdsUserRows(model: Recommender): boolean {
  const parts = blendParts(model);
  if (parts) return parts.some((part) => holdsUserRows(part.model));
  return getModelSpec(model.id).clearUserRow !== undefined;
}
