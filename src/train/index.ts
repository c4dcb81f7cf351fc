export { TrainingSupervisor, enqueueJob, cancelJob, checkpointDirectory, type SupervisorOptions } from './supervisor.js';
export { ServingWatcher, type ServingWatcherOptions } from './serving-watcher.js';
export { EncoderWatcher, type EncoderWatcherOptions } from './encoder-watcher.js';
export { runPicturesJob, pictureTrainingSet, encoderGate, loadEncoderVersion, heldOut, MIN_ENCODER_PICTURES } from './pictures-job.js';
export { promoteVersion, rollbackVersion } from './registry-ops.js';
export {
  loadVersion,
  registerVersion,
  verifyServingBytes,
  trainingWindow,
  previousServing,
  sha256,
  type LoadedVersion,
} from './versions.js';
export { runTrainingJob, type JobOutcome, type JobReporter } from './run-job.js';
export { loopSplit, type LoopSplit } from './holdout.js';
export { reindexModel } from './reindex.js';
export { eraseUserFromModels } from './erasure.js';
export { ErasureService, ERASURE_NOTICE_KEEP_MS, type ErasureResult, type ErasureServiceOptions } from './erasure-service.js';
export { ERASURE_TRIGGER, settleModelErasure, sweepErasures } from './erasure-sweep.js';
