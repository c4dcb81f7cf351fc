export { RecommendationRuntime, type RuntimeOptions, type Requester, type ItemListResponse, type RuntimeStatus } from './runtime.js';
export {
  runPipeline,
  type Recommendation,
  type RecommendedItem,
  type SlateRequest,
  type ExperimentAssignment,
  type PipelineDeps,
  type PipelineResult,
} from './pipeline.js';
export { sessionProfile, userProfile, type Profile, type RecommendationMode } from './profile.js';
export { STATE_TYPES, BLOCKING_TYPES, type HistoryEvent } from './history.js';
export { buildSnapshot, emptySnapshot, type ServingSnapshot, type BuildSnapshotOptions } from './snapshot.js';
export { SnapshotManager, buildStoreSnapshot, type SnapshotManagerOptions, type StoreSnapshotOptions } from './snapshot-manager.js';
export {
  fitServingModel,
  readStoreDataset,
  servingModelSource,
  type FitServingModelOptions,
  type ModelProvider,
  type ProvidedModel,
  type ServingModelSourceOptions,
} from './model-source.js';
export { ImpressionLog, type ImpressionLogOptions } from './impression-log.js';
export { ServingPolicy, type ServingPolicyOptions, type SharedPolicyState, type SharedUpdate } from './serving-policy.js';
export {
  saveServingArtifact,
  loadServingArtifact,
  encodeServingArtifact,
  decodeServingArtifact,
  servingFromArtifact,
  type ServingModel,
} from './serving-artifact.js';
export { FeedbackLoop, type FeedbackCounts, type SharedFeedback, type SlotOutcome } from './feedback.js';
export type { ItemListKind } from './item-lists.js';
export { DecisionLog, keptCandidates, type DecisionLogOptions, type ServedSlate } from './decision-log.js';
export { PolicyPersistence, POLICY_STATE_KEY, snapshotMismatch, type PolicyPersistenceOptions } from './policy-persistence.js';
export * from './insight/index.js';
export { computeServingLists, type ServingLists } from './serving-lists.js';
export { exportUser, type UserExport, type UserExportOptions } from './user-export.js';
export {
  PictureCatalogue,
  DEFAULT_PICTURE_SIZE,
  type PictureCatalogueOptions,
  type PictureEncoder,
  type EncoderInUse,
  type PictureReceipt,
  type PictureSpace,
} from './picture-catalogue.js';
export { VisualIndex, unitVector, type VisualHit, type VisualIndexOptions } from './visual-index.js';
export { lookalikeItems, showable } from './picture-lists.js';
export type { ColdPictureSource } from './cold-items.js';
export { interestBeliefs, UNCATEGORISED, type InterestBelief } from './beliefs.js';
