export * from './types.js';
export type { PolicyDefinition } from './definition.js';
export { POLICIES, policyIds, createPolicy, loadPolicy } from './registry.js';
export { MAX_LINUCB_DIMENSION } from './linucb.js';
export { sampleBeta, sampleGamma } from './beta.js';
export { mmrRerank, capPerCategory, type MmrOptions, type CategoryCapOptions, type DiverseCandidate } from './diversity.js';
export { categoryEmbedding, EMBEDDING_DIMENSION } from './category-embedding.js';
export {
  AppealPosterior,
  savedBeliefs,
  type AppealEstimate,
  type AppealObservation,
  type AppealPosteriorJson,
} from './appeal-posterior.js';
export { standardScores, evidenceUncertainty } from './neural-params.js';
export { ShopperBudget, type ShopperSignals, type ShopperBudgetOptions } from './shopper-budget.js';
export {
  CategoryCooccurrence,
  interestFrontier,
  interestStage,
  leafShares,
  type InterestStage,
  type InterestShares,
  type FrontierCategory,
} from './interest-frontier.js';
