// The serving side of interest mining: cached shared models and the reads the insight routes share.
export { InsightRuntime, type InsightRuntimeOptions, type SegmentsBuild, type TaggerBuild } from './runtime.js';
export { CachedModel, type Built, type CacheStatus, type CachedModelOptions } from './cached-model.js';
export { insightSettingsSchema, type InsightSettings, type InsightSettingsInput } from './settings.js';
export {
  BEHAVIOUR_TYPES,
  behaviourEvents,
  catalogue,
  itemsOf,
  userBehaviour,
  personalizationRefused,
  requireUser,
  type UserAccess,
} from './store-reads.js';
export { describeSegment } from './describe.js';
export { publishSegments, type PublishedSegments, type SegmentPublishing, type SizeNoise } from './published-segments.js';
