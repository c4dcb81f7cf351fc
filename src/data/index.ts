export * from './dataset.js';
export * from './read-files.js';
export * from './from-store.js';
export * from './k-core.js';
export * from './splits.js';
export * from './interactions.js';
export * from './negatives.js';
export * from './blocked.js';
