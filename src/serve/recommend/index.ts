export { RecommendationRuntime, type RuntimeOptions, type Requester, type ItemListResponse, type RuntimeStatus } from './runtime.js';
export { runPipeline, type Recommendation, type RecommendedItem, type SlateRequest, type PipelineDeps } from './pipeline.js';
export { readProfile, sessionProfile, STATE_TYPES, type Profile, type HistoryEvent, type RecommendationMode } from './profile.js';
export { buildSnapshot, emptySnapshot, type ServingSnapshot, type BuildSnapshotOptions } from './snapshot.js';
export { saveServingArtifact, loadServingArtifact, type ServingModel } from './serving-artifact.js';
export { tapStore, storedEvents, type StoreListener } from './store-tap.js';
export { FeedbackLoop, type FeedbackCounts } from './feedback.js';
export type { ItemListKind } from './item-lists.js';
