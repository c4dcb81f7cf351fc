import { readFileSync, writeFileSync } from 'node:fs';
import { CurioError } from '../core/index.js';
import { decodeArtifact, encodeArtifact, getModelSpec, type Recommender } from '../models/index.js';

/** A model with the external id of each of its item indexes: what the server needs to load one. */
export interface ServingModel {
  model: Recommender;
  itemIds: readonly string[];
  /** The stored id of each user row, when the model was fitted on the store's users (`user-embedding` models). */
  userIds?: readonly string[];
}

/** Saves a model for serving: its artifact with the item ids in `meta.itemIds` (checksummed with the rest). */
export function saveServingArtifact(serving: ServingModel, path: string): void {
  if (serving.itemIds.length !== serving.model.nItems) {
    throw new CurioError('BAD_INPUT', `the model has ${serving.model.nItems} items but ${serving.itemIds.length} ids were given`);
  }
  const artifact = serving.model.toArtifact();
  writeFileSync(path, encodeArtifact({ ...artifact, meta: { ...artifact.meta, itemIds: [...serving.itemIds] } }));
}

/** Loads a model saved with `saveServingArtifact`; its id picks the registry entry. */
export function loadServingArtifact(path: string): ServingModel {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new CurioError('NOT_FOUND', `cannot read model file ${path}`, { cause });
  }
  const artifact = decodeArtifact(bytes, path);
  const itemIds = artifact.meta.itemIds;
  if (!Array.isArray(itemIds) || itemIds.length !== artifact.nItems || !itemIds.every((id) => typeof id === 'string')) {
    throw new CurioError('BAD_INPUT', `${path} has no item ids (meta.itemIds); save it with saveServingArtifact`);
  }
  return { model: getModelSpec(artifact.modelId).restore(artifact), itemIds: itemIds as string[] };
}
