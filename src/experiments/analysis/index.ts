export { Attribution, type Exposure, type Outcome, type OutcomeType, type PrePeriod, type UserOutcomes } from './attribution.js';
export { armSamples, sampleSummary, USER_METRICS, type AnalysedUser, type MetricSample, type UserMetric } from './arm-metrics.js';
export { compareMetric, type CompareOptions, type MetricComparison } from './compare.js';
export { slateDiversity, slateGuardrails, type SlateGuardrails } from './guardrails.js';
export { experimentResults, type ArmLatency, type ArmResult, type ExperimentResults, type ResultsOptions } from './results.js';
