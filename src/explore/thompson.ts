import { z } from 'zod';
import type { Rng } from '../core/index.js';
import { sampleBeta } from './beta.js';
import { addOutcome, type Counts, countsFromJson, CountsTable, countsToJson } from './counts.js';
import { parseOrThrow, type PolicyDefinition } from './definition.js';
import { sampleDistribution, sampleWithPropensities } from './monte-carlo.js';
import { clampWeight, distinctCandidates, slotCount, topK } from './slate-utils.js';
import type { Candidate, ChooseContext, Policy } from './types.js';

const ThompsonParams = z.object({
  baseRate: z.number().gt(0).lt(1).default(0.05).describe('prior reward rate of a cluster without evidence'),
  clusterPriorStrength: z.number().positive().default(20).describe('pseudo-impressions of the cluster prior'),
  itemPriorStrength: z.number().positive().default(10).describe('pseudo-impressions of the item prior'),
  scoreScale: z.number().min(0).default(1).describe('log-odds per unit of model score above the candidate mean'),
  propensityDraws: z.number().int().min(10).max(100_000).default(300)
    .describe('Monte-Carlo re-samples per request for propensities (floor 1/(draws+1))'),
});
type ThompsonParams = z.infer<typeof ThompsonParams>;

const ThompsonState = z.object({ items: CountsTable, clusters: CountsTable });

const logit = (p: number): number => Math.log(p / (1 - p));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const clampP = (p: number): number => Math.min(1 - 1e-9, Math.max(1e-9, p));

interface Tables {
  items: Map<string, Counts>;
  clusters: Map<string, Counts>;
}

/** Shrinks a posterior draw toward its mean: w = 0 gives the mean, w = 1 the draw itself. */
function shrink(mean: number, draw: number, w: number): number {
  return clampP(mean + w * (draw - mean));
}

/**
 * One Thompson draw per candidate. Cluster c: Beta(nc·base + S_c, nc·(1−base) + F_c), drawn once per
 * request and shared by its items (correlated interest exploration). Item prior mean m0:
 * logit m0 = logit base + scoreScale·(score − mean score) + (logit θ_c − logit base); item posterior
 * Beta(ni·m0 + S_i, ni·(1−m0) + F_i). Every draw is shrunk toward its mean by exploreWeight.
 */
function drawValues(params: ThompsonParams, tables: Tables, candidates: Candidate[], w: number, rng: Rng | null): number[] {
  const meanScore = candidates.reduce((s, c) => s + c.score, 0) / Math.max(1, candidates.length);
  const clusterLift = new Map<string, number>();
  const liftOf = (cluster: string | undefined): number => {
    if (cluster === undefined) return 0;
    let lift = clusterLift.get(cluster);
    if (lift === undefined) {
      const c = tables.clusters.get(cluster) ?? { successes: 0, failures: 0 };
      const a = params.clusterPriorStrength * params.baseRate + c.successes;
      const b = params.clusterPriorStrength * (1 - params.baseRate) + c.failures;
      const mean = a / (a + b);
      const theta = rng && w > 0 ? shrink(mean, sampleBeta(a, b, rng), w) : clampP(mean);
      lift = logit(theta) - logit(params.baseRate);
      clusterLift.set(cluster, lift);
    }
    return lift;
  };
  return candidates.map((cand) => {
    const m0 = sigmoid(logit(params.baseRate) + params.scoreScale * (cand.score - meanScore) + liftOf(cand.cluster));
    const c = tables.items.get(cand.itemId) ?? { successes: 0, failures: 0 };
    const a = params.itemPriorStrength * m0 + c.successes;
    const b = params.itemPriorStrength * (1 - m0) + c.failures;
    const mean = a / (a + b);
    return rng && w > 0 ? shrink(mean, sampleBeta(a, b, rng), w) : mean;
  });
}

function createThompson(params: ThompsonParams, state?: unknown): Policy {
  const saved = state === undefined || state === null ? { items: {}, clusters: {} } : parseOrThrow(ThompsonState, state, 'state');
  const tables: Tables = { items: countsFromJson(saved.items), clusters: countsFromJson(saved.clusters) };
  const sampler = (candidates: Candidate[], context: ChooseContext) => {
    const distinct = distinctCandidates(candidates);
    const slots = slotCount(distinct, context);
    const w = clampWeight(context.exploreWeight);
    return (rng: Rng | null) => topK(drawValues(params, tables, distinct, w, rng), distinct, slots);
  };
  return {
    id: 'thompson',
    capabilities: { stochastic: true, learns: true, usesEmbeddings: false },
    choose(candidates, context) {
      const sample = sampler(candidates, context);
      if (clampWeight(context.exploreWeight) === 0) {
        const ids = sample(null);
        return { policy: 'thompson', slots: ids.map((itemId, position) => ({ itemId, position, propensity: 1 })), propensityMethod: 'exact' };
      }
      const slots = sampleWithPropensities(sample, context.rng, params.propensityDraws);
      return { policy: 'thompson', slots, propensityMethod: 'monte-carlo' };
    },
    distribution(candidates, context) {
      const sample = sampler(candidates, context);
      if (clampWeight(context.exploreWeight) === 0) return sample(null).map((id) => new Map([[id, 1]]));
      return sampleDistribution(sample, context.rng, params.propensityDraws);
    },
    update(feedback) {
      const impression = feedback.impression !== false;
      addOutcome(tables.items, feedback.itemId, feedback.reward, impression);
      if (feedback.cluster !== undefined) addOutcome(tables.clusters, feedback.cluster, feedback.reward, impression);
    },
    save: () => ({
      policy: 'thompson',
      version: 1,
      params: { ...params },
      state: { items: countsToJson(tables.items), clusters: countsToJson(tables.clusters) },
    }),
  };
}

/** Thompson sampling with Beta posteriors per item and per interest cluster over a model-score prior. */
export const thompsonPolicy: PolicyDefinition<ThompsonParams> = {
  id: 'thompson',
  description: 'Beta-Bernoulli Thompson sampling per item and cluster, prior from the model score',
  capabilities: { stochastic: true, learns: true, usesEmbeddings: false },
  params: ThompsonParams,
  create: (params, state) => createThompson(params, state),
};
