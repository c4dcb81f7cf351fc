// What a model must pass before it may serve: checked where a version is registered and, for a serving
// process, in the artifact check thread (verify-worker.ts). Imports only what that thread may load.
import { CurioError } from '../core/index.js';
import { assertFiniteArtifact, decodeArtifact, type ModelArtifact } from '../models/artifact.js';
import { servingFromArtifact, type ServingModel } from '../recommend/serving-artifact.js';
import { sha256 } from './checksum.js';

/**
 * Everything that must hold before a model may serve: the bytes are the ones registered (checksum), they
 * decode and restore, every weight is finite, the item count matches its ids, and it scores an empty and
 * a one-item state without NaN. Throws BAD_INPUT naming what failed.
 */
export function verifyServingBytes(bytes: Buffer, expected: { checksum: string; source: string }): ServingModel {
  return verifiedArtifact(bytes, expected).served;
}

/** verifyServingBytes, with the decoded artifact the model was restored from. */
export function verifiedArtifact(
  bytes: Buffer,
  expected: { checksum: string; source: string },
): { artifact: ModelArtifact; served: ServingModel } {
  if (sha256(bytes) !== expected.checksum)
    throw new CurioError('BAD_INPUT', `${expected.source}: checksum mismatch (the artifact is damaged)`);
  const artifact = decodeArtifact(bytes, expected.source);
  assertFiniteArtifact(artifact);
  const served = servingFromArtifact(artifact, expected.source);
  checkScores(served, expected.source);
  return { artifact, served };
}

/** A model that scores NaN (or returns the wrong length) must never serve. */
export function checkScores(served: ServingModel, source: string): void {
  const { model } = served;
  if (model.nItems !== served.itemIds.length) {
    throw new CurioError('BAD_INPUT', `${source}: the model has ${model.nItems} items but ${served.itemIds.length} item ids`);
  }
  if (model.nItems === 0) return;
  for (const items of [new Int32Array(0), Int32Array.of(0)]) {
    const scores = model.scoreAll({ items });
    if (scores.length !== model.nItems)
      throw new CurioError('BAD_INPUT', `${source}: scored ${scores.length} items, expected ${model.nItems}`);
    for (let i = 0; i < scores.length; i++) {
      if (Number.isNaN(scores[i])) throw new CurioError('BAD_INPUT', `${source}: scores NaN for item ${served.itemIds[i]}`);
    }
  }
}
