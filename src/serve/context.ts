import type { RouteOptions } from 'fastify';
import type { Config } from '../core/index.js';
import type { Ingestor } from '../ingest/index.js';
import type { Store } from '../store/index.js';
import type { InsightRuntime } from '../recommend/index.js';
import type { ServerMetrics } from './metrics.js';
import type { ApiKeyResolver } from './key-resolver.js';
import type { ErasureService, ServingWatcher, TrainingSupervisor } from '../train/index.js';
import type { PictureCatalogue, RecommendationRuntime } from '../recommend/index.js';
import type { ExperimentRegistry } from '../experiments/index.js';

/** What every route module gets: the configuration and the shared services of one app. */
export interface AppContext {
  config: Config;
  /** For reads; every write goes through `ingestor`, which tells the change feed. */
  store: Store;
  ingestor: Ingestor;
  metrics: ServerMetrics;
  /** The recommendation pipeline: model snapshot, policy, feedback loop (src/recommend/). */
  recommendations: RecommendationRuntime;
  /** Item pictures and embeddings, their visual indexes and the image encoder (src/recommend/picture-catalogue.ts). */
  pictures: PictureCatalogue;
  /** Interest mining: cached segmentation, tagger and intent model (src/recommend/insight/). */
  insight: InsightRuntime;
  /** The learning loop: the registry watcher of this serving process (null when a model was given) and the trainer it runs (null when `training.worker` is off). */
  training: { watcher: ServingWatcher | null; supervisor: TrainingSupervisor | null };
  /** Experiments, with the running one per surface cached for the request path (src/experiments/). */
  experiments: ExperimentRegistry;
  /** Erasure everywhere, with a receipt kept in the store (src/train/erasure-service.ts). */
  erasures: ErasureService;
  /** Finds the caller of a presented key (configured, then stored); told when this process revokes one. */
  apiKeys: ApiKeyResolver;
}

/** A file of routes: given the app's context, the routes it adds. New endpoints are a new module. */
export type RouteModule = (ctx: AppContext) => RouteOptions[];
