export type * from './store.js';
export { openStore } from './open.js';
export { MAX_SEARCH_WORDS } from './store.js';
export {
  changeUserIds,
  LocalChangeFeed,
  type Change,
  type ChangeFeed,
  type ChangeHandler,
  type ChangeKind,
  type ForgottenChanges,
} from './change-feed.js';
export {
  eventRetentionDays,
  lastRetentionPass,
  RETENTION_STATE_KEY,
  RetentionPruner,
  retentionInForce,
  slateRetentionDays,
  type RetentionPass,
  type RetentionSettings,
  type RetentionPrunerOptions,
} from './retention.js';
export type * from './training-records.js';
export { IMAGE_ENCODER_MODEL, JOB_KINDS, JOB_STATES, MODEL_STATES, MODEL_TRACKS, modelTrack } from './training-records.js';
export type * from './access-records.js';
export { AUDIT_OUTCOMES } from './access-records.js';
export type * from './picture-records.js';
