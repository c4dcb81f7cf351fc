export * from './experiment.js';
export { assignArm } from './assignment.js';
export { ExperimentRegistry } from './registry.js';
export * from './stats/index.js';
export * from './analysis/index.js';
export { preEvaluate, type DeploymentPolicy } from './pre-evaluation.js';
