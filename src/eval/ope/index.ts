export * from './types.js';
export { ESTIMATORS, estimateAll, SWITCH_TAU_GRID, DROS_LAMBDA_GRID, tuneShape, switchShape, drosShape } from './estimators.js';
export { readObdLogs, type ObdLogs, type ObdRecord, type ObdItem } from './obd.js';
export { simulateBernoulliTs, fitBetaArms, betaArmsFromCounts, type BetaArms, type PositionMode } from './bernoulli-ts.js';
export {
  validateOnObd,
  logisticVariant,
  obdRounds,
  obdRoundsWithTrace,
  obdFeatures,
  empiricalDistribution,
  type ObdValidation,
  type EstimatorError,
  type PositionItemDistribution,
} from './obd-validation.js';
export { bootstrapErrors, bootstrapCounts, type BootstrapErrorOptions } from './bootstrap.js';
export {
  fitPositionModel,
  countSlotItems,
  negativeBinomialLogLikelihood,
  EB_SHAPE_GRID,
  type PositionModel,
  type PositionModelOptions,
  type AttractionPrior,
  type SlotItemCounts,
  type SlotImpression,
} from './position-model.js';
export {
  positionModelRounds,
  poolOverSlots,
  slotShares,
  loggedPropensityDistribution,
  type PoolingOptions,
  type SlotItemDistribution,
  type LoggedSlotImpression,
} from './position-rounds.js';
export {
  positionModelVariant,
  estimateVariants,
  SLOT_IPS_VARIANT,
  POSITION_MODEL_VARIANTS,
  type RoundVariant,
  type PositionVariantOptions,
} from './round-variants.js';
export {
  noiseFloor,
  simulateSlotLog,
  policyValue,
  tiltedWorld,
  type NoiseFloor,
  type NoiseFloorOptions,
  type FloorSummary,
  type TiltOptions,
} from './noise-floor.js';
export { readStoreLogs, type LoggedSlate, type LoggedImpression, type StoreLogs, type ReadStoreLogsOptions } from './store-logs.js';
export {
  evaluatePolicyOnLogs,
  policyRounds,
  loggedRateCandidates,
  recordedCandidates,
  type CandidateSource,
  type PolicyEvaluation,
  type PolicyEvaluationOptions,
  type PolicyRounds,
  type WeightDiagnostics,
} from './policy-evaluation.js';
export { OpeConfig, parseOpeConfig, policyFromConfig } from './ope-config.js';
export { weightDiagnostics, overlapWarnings, OVERLAP_THRESHOLDS, type OverlapInputs } from './diagnostics.js';
export { modelInfluence, addGradient, BIAS, type RewardModelTrace, type RewardModelUse } from './reward-model-variance.js';
export {
  influence,
  normalInterval,
  bootstrapInterval,
  estimateWithInterval,
  linearForm,
  formValue,
  switchAt,
  Z95,
  type LinearForm,
  type IntervalEstimate,
  type IntervalOptions,
  type ClusterIds,
  type BootstrapIntervalOptions,
} from './intervals.js';
export { selectBySlope, SLOPE_CANDIDATES, type SlopeSelection } from './slope.js';
export {
  offPolicyReport,
  reportOnSlates,
  reportOnRounds,
  clusterIds,
  type OffPolicyReport,
  type ChosenEstimate,
  type SlateReportOptions,
} from './report.js';
