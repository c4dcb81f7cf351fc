import { readFileSync, writeFileSync } from 'node:fs';
import { CurioError } from '../core/index.js';
import { decodeArtifact, encodeArtifact, getModelSpec, holdsUserRows, type ModelArtifact, type Recommender } from '../models/index.js';
import { listsFromArtifact, listsToArtifact, type ServingLists } from './serving-lists.js';

/** A model with the external id of each of its item indexes: what the server needs to load one. */
export interface ServingModel {
  model: Recommender;
  itemIds: readonly string[];
  /** The stored id of each user row, when the model was fitted on the store's users (`user-embedding` models). */
  userIds?: readonly string[];
  /** Co-visitation, popularity and trends over the model's items, computed with it (registry versions carry them). */
  lists?: ServingLists;
}

/** A model's serving artifact: its artifact with the item ids in `meta.itemIds` (checksummed with the rest). */
export function encodeServingArtifact(serving: ServingModel): Buffer {
  if (serving.itemIds.length !== serving.model.nItems) {
    throw new CurioError('BAD_INPUT', `the model has ${serving.model.nItems} items but ${serving.itemIds.length} ids were given`);
  }
  const artifact = serving.model.toArtifact();
  // Only models with a row per user (a blend's parts included) need the users' ids, and only they should
  // carry them: erasure rewrites them.
  const perUser = serving.userIds && holdsUserRows(serving.model);
  const userIds = perUser ? { userIds: [...serving.userIds!] } : {};
  const lists = serving.lists ? listsToArtifact(serving.lists) : { arrays: {}, meta: {} };
  return encodeArtifact({
    ...artifact,
    arrays: { ...artifact.arrays, ...lists.arrays },
    meta: { ...artifact.meta, itemIds: [...serving.itemIds], ...userIds, ...lists.meta },
  });
}

/** Saves a model for serving (see `encodeServingArtifact`). */
export function saveServingArtifact(serving: ServingModel, path: string): void {
  writeFileSync(path, encodeServingArtifact(serving));
}

/** Rebuilds a model from `encodeServingArtifact` bytes; BAD_INPUT when they are damaged or hold no item ids. */
export function decodeServingArtifact(bytes: Buffer, source: string): ServingModel {
  return servingFromArtifact(decodeArtifact(bytes, source), source);
}

/** The model, its ids and lists from a decoded serving artifact; BAD_INPUT when it holds no item ids. */
export function servingFromArtifact(artifact: ModelArtifact, source: string): ServingModel {
  const itemIds = artifact.meta.itemIds;
  if (!Array.isArray(itemIds) || itemIds.length !== artifact.nItems || !itemIds.every((id) => typeof id === 'string')) {
    throw new CurioError('BAD_INPUT', `${source} has no item ids (meta.itemIds); save it with saveServingArtifact`);
  }
  const userIds = artifact.meta.userIds;
  const { own, lists } = listsFromArtifact(artifact.arrays, artifact.meta);
  const model = getModelSpec(artifact.modelId).restore({ ...artifact, arrays: own });
  return {
    model,
    itemIds: itemIds as string[],
    ...(Array.isArray(userIds) ? { userIds: userIds as string[] } : {}),
    ...(lists ? { lists } : {}),
  };
}

/** Loads a model saved with `saveServingArtifact`; its id picks the registry entry. */
export function loadServingArtifact(path: string): ServingModel {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new CurioError('NOT_FOUND', `cannot read model file ${path}`, { cause });
  }
  return decodeServingArtifact(bytes, path);
}
