export * from './types.js';
export { ESTIMATORS, estimateAll, SWITCH_TAU_GRID, DROS_LAMBDA_GRID } from './estimators.js';
export { fitLogistic, DEFAULT_LOGISTIC, type FeatureRow, type LogisticModel, type LogisticOptions } from './logistic.js';
export { readObdLogs, type ObdLogs, type ObdRecord, type ObdItem } from './obd.js';
export {
  simulateBernoulliTs,
  fitBetaArms,
  betaArmsFromCounts,
  type BetaArms,
  type PositionMode,
} from './bernoulli-ts.js';
export {
  validateOnObd,
  obdRounds,
  obdFeatures,
  empiricalDistribution,
  type ObdValidation,
  type EstimatorError,
  type PositionItemDistribution,
} from './obd-validation.js';
export { readStoreLogs, type LoggedSlate, type LoggedImpression, type StoreLogs, type ReadStoreLogsOptions } from './store-logs.js';
export {
  evaluatePolicyOnLogs,
  loggedRateCandidates,
  recordedCandidates,
  type CandidateSource,
  type PolicyEvaluation,
  type PolicyEvaluationOptions,
  type WeightDiagnostics,
} from './policy-evaluation.js';
export { OpeConfig, parseOpeConfig, policyFromConfig } from './ope-config.js';
