export { createSummaryAccumulator, summarize, summarizeBinary, type ArmSummary, type SummaryAccumulator } from './arm-summary.js';
export {
  relativeLift,
  welchDifference,
  type DifferenceEstimate,
  type Interval,
  type IntervalOptions,
  type LiftEstimate,
} from './difference.js';
export {
  createSequentialTest,
  defaultMixingVariance,
  INITIAL_SEQUENTIAL_STATE,
  mixtureLogLikelihoodRatio,
  mixturePValue,
  mixtureRadius,
  nextSequentialLook,
  type EffectEstimate,
  type SequentialLook,
  type SequentialOptions,
  type SequentialState,
  type SequentialTest,
} from './msprt.js';
export { cuped, type CupedArm, type CupedResult } from './cuped.js';
export { sampleRatioMismatch, type SrmOptions, type SrmResult } from './srm.js';
export { planExperiment, planInputSchema, type ExperimentPlan, type PlanInput } from './planner.js';
export { chiSquareSurvival, normalCdf, normalQuantile, normalSurvival, studentTCdf, studentTQuantile } from './distributions.js';
