export * from './metrics.js';
export * from './evaluate.js';
export * from './paired.js';
export * from './tune.js';
export * from './run.js';
export * from './load-data.js';
export * from './simulator/index.js';
export * from './ope/index.js';
