import { CurioError, type Config, type EventWeights } from '../core/index.js';
import { datasetFromStore, type SequenceDataset } from '../data/index.js';
import { getModelSpec } from '../models/index.js';
import type { Store } from '../store/index.js';
import { loadServingArtifact, type ServingModel } from './serving-artifact.js';

/** A model to serve and where it came from. */
export interface ProvidedModel extends ServingModel {
  source: 'fitted' | 'loaded';
  /** The registry version it is, when it came from the model registry. */
  versionId?: string;
}

/** What a snapshot build asks for its model, given the store's dataset (null while the store has no events). */
export type ModelProvider = (dataset: SequenceDataset | null) => Promise<ProvidedModel | null>;

export interface FitServingModelOptions {
  serving: Pick<Config['serving'], 'model' | 'modelParams'>;
  eventWeights: EventWeights;
  seed: number;
}

/**
 * Fits `serving.model` on a dataset read from the store: the one place a serving model is trained, called
 * by the server's snapshot builds on a single machine and by anything else that trains one.
 */
export async function fitServingModel(dataset: SequenceDataset, options: FitServingModelOptions): Promise<ServingModel> {
  const { serving, eventWeights, seed } = options;
  const model = await getModelSpec(serving.model).fit(dataset, serving.modelParams, { seed, eventWeights });
  return { model, itemIds: dataset.items, userIds: dataset.users };
}

/** The store's events as a dataset; null for a store with none yet. */
export async function readStoreDataset(store: Store): Promise<SequenceDataset | null> {
  try {
    return await datasetFromStore(store);
  } catch (error) {
    // An empty store is a normal first start: serve the catalogue until events arrive.
    if (error instanceof CurioError && error.code === 'BAD_INPUT') return null;
    throw error;
  }
}

export interface ServingModelSourceOptions extends FitServingModelOptions {
  serving: FitServingModelOptions['serving'] & Pick<Config['serving'], 'modelPath'>;
  /** Serve this model as it is (tests, benches). */
  model?: ServingModel;
}

/**
 * The server's default provider: the given model, else the artifact at `serving.modelPath`, else
 * `serving.model` fitted on the store's dataset at every build.
 */
export function servingModelSource(options: ServingModelSourceOptions): ModelProvider {
  return async (dataset) => {
    if (options.model) return { ...options.model, source: 'loaded' };
    if (options.serving.modelPath) return { ...loadServingArtifact(options.serving.modelPath), source: 'loaded' };
    if (!dataset) return null;
    return { ...(await fitServingModel(dataset, options)), source: 'fitted' };
  };
}
