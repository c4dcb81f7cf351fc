export * from './recommender.js';
export * from './artifact.js';
export * from './define-model.js';
export * from './registry.js';
export * from './recommend.js';
export * from './top-k.js';
export { isSequentialRecommender, type SequentialRecommender } from './seq-model.js';
export { invertSpdInPlace, gaussJordanInPlace, choleskySolve } from './linalg.js';
export * from './logistic.js';
