import { z } from 'zod';
import { parseOrThrow, type Rng } from '../core/index.js';
import { sampleBeta } from './beta.js';
import { addOutcome, type Counts, countsFromJson, CountsTable, countsToJson } from './counts.js';
import type { PolicyDefinition } from './definition.js';
import { sampleDistribution, sampleWithPropensities } from './monte-carlo.js';
import { clampWeight, distinctCandidates, slotCount, topK } from './slate-utils.js';
import type { Candidate, ChooseContext, Policy } from './types.js';

const ThompsonParams = z.object({
  baseRate: z.number().gt(0).lt(1).default(0.05).describe('prior reward rate of a cluster without evidence'),
  clusterPriorStrength: z.number().positive().default(20).describe('pseudo-impressions of the cluster prior'),
  itemPriorStrength: z.number().positive().default(10).describe('pseudo-impressions of the item prior'),
  scoreScale: z.number().min(0).default(1).describe('log-odds per unit of model score above the candidate mean'),
  propensityDraws: z
    .number()
    .int()
    .min(10)
    .max(100_000)
    .default(300)
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
 * What one request's draws share, computed once: each candidate's prior term and evidence, each cluster's
 * posterior. Thompson re-samples its slate ~300 times per request for the propensities, and recomputing
 * these (with Map lookups) on every draw, with a full sort per draw, made requests slow (docs/serving.md).
 */
interface Prepared {
  ids: string[];
  /** logit base + scoreScale·(score − mean score), per candidate. */
  prior: Float64Array;
  successes: Float64Array;
  failures: Float64Array;
  /** Cluster number per candidate, -1 for none. */
  cluster: Int32Array;
  clusterA: Float64Array;
  clusterB: Float64Array;
}

function prepare(params: ThompsonParams, tables: Tables, candidates: Candidate[]): Prepared {
  const n = candidates.length;
  const meanScore = candidates.reduce((s, c) => s + c.score, 0) / Math.max(1, n);
  const p: Prepared = {
    ids: candidates.map((c) => c.itemId),
    prior: new Float64Array(n),
    successes: new Float64Array(n),
    failures: new Float64Array(n),
    cluster: new Int32Array(n),
    clusterA: new Float64Array(n),
    clusterB: new Float64Array(n),
  };
  const clusterNumber = new Map<string, number>();
  candidates.forEach((cand, i) => {
    p.prior[i] = logit(params.baseRate) + params.scoreScale * (cand.score - meanScore);
    const c = tables.items.get(cand.itemId);
    p.successes[i] = c?.successes ?? 0;
    p.failures[i] = c?.failures ?? 0;
    let k = cand.cluster === undefined ? -1 : clusterNumber.get(cand.cluster);
    if (k === undefined) {
      k = clusterNumber.size;
      clusterNumber.set(cand.cluster as string, k);
      const counts = tables.clusters.get(cand.cluster as string);
      p.clusterA[k] = params.clusterPriorStrength * params.baseRate + (counts?.successes ?? 0);
      p.clusterB[k] = params.clusterPriorStrength * (1 - params.baseRate) + (counts?.failures ?? 0);
    }
    p.cluster[i] = k;
  });
  return p;
}

/**
 * One Thompson draw per candidate into `out`. Cluster c: Beta(nc·base + S_c, nc·(1−base) + F_c), drawn
 * once per draw and shared by its items (correlated interest exploration). Item prior mean m0:
 * logit m0 = logit base + scoreScale·(score − mean score) + (logit θ_c − logit base); item posterior
 * Beta(ni·m0 + S_i, ni·(1−m0) + F_i). Every draw is shrunk toward its mean by exploreWeight. A cluster is
 * drawn when its first candidate is reached, so the random stream is consumed in candidate order.
 */
function drawValues(params: ThompsonParams, p: Prepared, w: number, rng: Rng | null, out: Float64Array, lift: Float64Array): void {
  const sample = rng !== null && w > 0;
  lift.fill(Number.NaN);
  for (let i = 0; i < p.ids.length; i++) {
    const k = p.cluster[i];
    let l = 0;
    if (k >= 0) {
      l = lift[k];
      if (Number.isNaN(l)) {
        const a = p.clusterA[k];
        const b = p.clusterB[k];
        const mean = a / (a + b);
        const theta = sample ? shrink(mean, sampleBeta(a, b, rng), w) : clampP(mean);
        l = logit(theta) - logit(params.baseRate);
        lift[k] = l;
      }
    }
    const m0 = sigmoid(p.prior[i] + l);
    const a = params.itemPriorStrength * m0 + p.successes[i];
    const b = params.itemPriorStrength * (1 - m0) + p.failures[i];
    const mean = a / (a + b);
    out[i] = sample ? shrink(mean, sampleBeta(a, b, rng), w) : mean;
  }
}

function createThompson(params: ThompsonParams, state?: unknown): Policy {
  const saved =
    state === undefined || state === null
      ? { items: {}, clusters: {} }
      : parseOrThrow(ThompsonState, state, { what: 'state', prefix: ['state'] });
  const tables: Tables = { items: countsFromJson(saved.items), clusters: countsFromJson(saved.clusters) };
  const sampler = (candidates: Candidate[], context: ChooseContext) => {
    const distinct = distinctCandidates(candidates);
    const slots = slotCount(distinct, context);
    const w = clampWeight(context.exploreWeight);
    const prepared = prepare(params, tables, distinct);
    const values = new Float64Array(distinct.length);
    const lift = new Float64Array(distinct.length);
    return (rng: Rng | null) => {
      drawValues(params, prepared, w, rng, values, lift);
      return topK(values, distinct, slots);
    };
  };
  return {
    id: 'thompson',
    capabilities: { stochastic: true, learns: true, usesEmbeddings: false, usesState: false },
    choose(candidates, context) {
      const sample = sampler(candidates, context);
      if (clampWeight(context.exploreWeight) === 0) {
        const ids = sample(null);
        return {
          policy: 'thompson',
          slots: ids.map((itemId, position) => ({ itemId, position, propensity: 1 })),
          propensityMethod: 'exact',
        };
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
  capabilities: { stochastic: true, learns: true, usesEmbeddings: false, usesState: false },
  params: ThompsonParams,
  create: (params, state) => createThompson(params, state),
};
