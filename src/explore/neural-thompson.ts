import { z } from 'zod';
import { NORMAL_BOUND, parseOrThrow, type Rng } from '../core/index.js';
import type { PolicyDefinition } from './definition.js';
import { sampleDistribution, sampleWithPropensities } from './monte-carlo.js';
import {
  AppealParams,
  AppealState,
  appealBeliefs,
  loadPosterior,
  observeFeedback,
  prepareAppeal,
  type PreparedAppeal,
} from './neural-params.js';
import { certainDistribution, certainSlots, topK } from './slate-utils.js';
import type { Candidate, ChooseContext, Policy } from './types.js';

const NeuralThompsonParams = AppealParams.extend({
  propensityDraws: z
    .number()
    .int()
    .min(10)
    .max(100_000)
    .default(100)
    .describe('Monte-Carlo re-samples per request for propensities (floor 1/(draws+1))'),
});
type NeuralThompsonParams = z.infer<typeof NeuralThompsonParams>;

/** One posterior draw per candidate, its spread scaled by the explore weight; top k of the draws. */
function drawSlate(p: PreparedAppeal, rng: Rng, values: Float64Array): string[] {
  for (let i = 0; i < p.mean.length; i++) values[i] = p.mean[i] + p.weight * p.sd[i] * rng.normal();
  return topK(values, p.distinct, p.slots);
}

/**
 * The candidates some draw can still put in the slate: a candidate whose highest possible draw (mean +
 * NORMAL_BOUND spreads) is below the slots-th best of the lowest possible draws never makes the top k, so
 * dropping it leaves every slate's probability as it was while each of the propensity re-samples draws
 * and sorts fewer values (the re-samples are most of a request's time with this policy).
 */
export function reachable(p: PreparedAppeal): PreparedAppeal {
  const n = p.mean.length;
  if (p.slots >= n || p.slots === 0) return p;
  const reach = (i: number) => p.weight * p.sd[i] * NORMAL_BOUND;
  const lows = Float64Array.from(p.mean, (m, i) => m - reach(i)).sort();
  const bar = lows[n - p.slots];
  if (Number.isNaN(bar)) return p;
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (p.mean[i] + reach(i) >= bar) keep.push(i);
  if (keep.length === n) return p;
  return {
    distinct: keep.map((i) => p.distinct[i]),
    slots: p.slots,
    weight: p.weight,
    mean: Float64Array.from(keep, (i) => p.mean[i]),
    sd: Float64Array.from(keep, (i) => p.sd[i]),
  };
}

function createNeuralThompson(params: NeuralThompsonParams, state?: unknown): Policy {
  const posterior = loadPosterior(params, state, (s) => parseOrThrow(AppealState, s, { what: 'state', prefix: ['state'] }));
  const sampler = (candidates: Candidate[], context: ChooseContext) => {
    const prepared = reachable(prepareAppeal(posterior, candidates, context));
    const values = new Float64Array(prepared.distinct.length);
    return { prepared, sample: (rng: Rng) => drawSlate(prepared, rng, values) };
  };
  return {
    id: 'neural-thompson',
    capabilities: { stochastic: true, learns: true, usesEmbeddings: false, usesState: true },
    choose(candidates, context) {
      const { prepared, sample } = sampler(candidates, context);
      if (prepared.weight === 0) {
        return {
          policy: 'neural-thompson',
          slots: certainSlots(topK(prepared.mean, prepared.distinct, prepared.slots)),
          propensityMethod: 'exact',
        };
      }
      return {
        policy: 'neural-thompson',
        slots: sampleWithPropensities(sample, context.rng, params.propensityDraws),
        propensityMethod: 'monte-carlo',
      };
    },
    distribution(candidates, context) {
      const { prepared, sample } = sampler(candidates, context);
      if (prepared.weight === 0) return certainDistribution(topK(prepared.mean, prepared.distinct, prepared.slots));
      return sampleDistribution(sample, context.rng, params.propensityDraws);
    },
    update: (feedback) => observeFeedback(posterior, feedback),
    beliefs: (candidates, context) => appealBeliefs(posterior, candidates, context),
    save: () => ({ policy: 'neural-thompson', version: 1, params: { ...params }, state: posterior.toJson() }),
  };
}

/**
 * Thompson sampling from the Bayesian last layer over the large model (appeal-posterior.ts): each
 * candidate's appeal is drawn from its posterior, so exploration goes where the model is unsure about this
 * shopper and the item could be good.
 */
export const neuralThompsonPolicy: PolicyDefinition<NeuralThompsonParams> = {
  id: 'neural-thompson',
  description: "Thompson sampling on the model's posterior: a Bayesian last layer over the shopper's user vector",
  capabilities: { stochastic: true, learns: true, usesEmbeddings: false, usesState: true },
  params: NeuralThompsonParams,
  create: (params, state) => createNeuralThompson(params, state),
};
