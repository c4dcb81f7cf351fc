import { readFileSync, writeFileSync } from 'node:fs';
import { CurioError } from '../core/index.js';
import { decodeArtifact, encodeArtifact } from './artifact.js';
import { bprModel } from './bpr.js';
import { defineBlendModel } from './blend.js';
import { easeModel } from './ease.js';
import { ialsModel } from './ials.js';
import { itemKnnModel } from './itemknn.js';
import { popModel } from './pop.js';
import type { ModelSpec, Recommender } from './recommender.js';
import { transitionModel } from './transition.js';
import { sasrecModel } from './sasrec.js';
import { curioSeqModel } from './curio-seq.js';
import { sknnModel } from './sknn.js';
import { repeatModel } from './repeat.js';

/** Weighted blends of the other families; built here, where the lookup of its parts' families lives. */
export const blendModel: ModelSpec = defineBlendModel(getModelSpec);

/** Every model family. A new model is one file plus one entry here; the shared suite picks it up. */
export const MODELS: readonly ModelSpec[] = [
  popModel,
  itemKnnModel,
  bprModel,
  ialsModel,
  easeModel,
  transitionModel,
  sknnModel,
  repeatModel,
  sasrecModel,
  curioSeqModel,
  blendModel,
];

/** The spec registered under `id`; BAD_INPUT naming the known ids otherwise. */
export function getModelSpec(id: string): ModelSpec {
  const spec = MODELS.find((m) => m.id === id);
  if (!spec) throw new CurioError('BAD_INPUT', `unknown model "${id}"; known: ${MODELS.map((m) => m.id).join(', ')}`);
  return spec;
}

/** Serialises a model into one checksummed file. */
export function saveModel(model: Recommender, path: string): void {
  writeFileSync(path, encodeArtifact(model.toArtifact()));
}

/** Rebuilds a model from bytes: the artifact's id is looked up in the registry. */
export function restoreModel(bytes: Buffer, source = 'artifact'): Recommender {
  const artifact = decodeArtifact(bytes, source);
  return getModelSpec(artifact.modelId).restore(artifact);
}

/** Loads a model saved with `saveModel`. */
export function loadModel(path: string): Recommender {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new CurioError('NOT_FOUND', `cannot read model file ${path}`, { cause });
  }
  return restoreModel(bytes, path);
}
