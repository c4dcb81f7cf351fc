export * from './event-types.js';
export * from './domain.js';
export * from './errors.js';
export * from './random.js';
export * from './config.js';
export * from './progress.js';
export * from './event-loop.js';
export * from './threads.js';
