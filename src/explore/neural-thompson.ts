import { z } from 'zod';
import { NORMAL_BOUND, parseOrThrow, type Rng } from '../core/index.js';
import type { PolicyDefinition } from './definition.js';
import { gaussianSlotDistribution, gaussianSlotPropensities } from './gaussian-propensity.js';
import {
  AppealParams,
  AppealState,
  appealBeliefs,
  loadPosterior,
  observeFeedback,
  prepareAppeal,
  type PreparedAppeal,
} from './neural-params.js';
import { certainDistribution, certainSlots, topIndices, topK } from './slate-utils.js';
import type { Candidate, ChooseContext, Policy } from './types.js';

const NeuralThompsonParams = AppealParams.extend({
  propensityDraws: z
    .number()
    .int()
    .min(10)
    .max(100_000)
    .default(20)
    .describe('re-samples per request for the conditional Monte-Carlo propensities (gaussian-propensity.ts)'),
});
type NeuralThompsonParams = z.infer<typeof NeuralThompsonParams>;

/** One posterior draw per candidate, its spread scaled by the explore weight; the indices of the top k draws. */
function drawSlate(p: PreparedAppeal, rng: Rng): number[] {
  const values = new Float64Array(p.mean.length);
  for (let i = 0; i < p.mean.length; i++) values[i] = p.mean[i] + p.weight * p.sd[i] * rng.normal();
  return topIndices(values, p.distinct, p.slots);
}

/**
 * The candidates some draw can still put in the slate: a candidate whose highest possible draw (mean +
 * NORMAL_BOUND spreads) is below the slots-th best of the lowest possible draws never makes the top k, so
 * dropping it leaves every slate's probability as it was while each of the propensity re-samples draws
 * and ranks fewer values.
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
  const prepare = (candidates: Candidate[], context: ChooseContext) => reachable(prepareAppeal(posterior, candidates, context));
  return {
    id: 'neural-thompson',
    capabilities: { stochastic: true, learns: true, usesEmbeddings: false, usesState: true },
    choose(candidates, context) {
      const prepared = prepare(candidates, context);
      if (prepared.weight === 0) {
        return {
          policy: 'neural-thompson',
          slots: certainSlots(topK(prepared.mean, prepared.distinct, prepared.slots)),
          propensityMethod: 'exact',
        };
      }
      const shown = drawSlate(prepared, context.rng);
      const propensities = gaussianSlotPropensities(prepared, shown, context.rng.fork(), params.propensityDraws);
      return {
        policy: 'neural-thompson',
        slots: shown.map((i, position) => ({ itemId: prepared.distinct[i].itemId, position, propensity: propensities[position] })),
        propensityMethod: 'monte-carlo',
      };
    },
    distribution(candidates, context) {
      const prepared = prepare(candidates, context);
      if (prepared.weight === 0) return certainDistribution(topK(prepared.mean, prepared.distinct, prepared.slots));
      return gaussianSlotDistribution(prepared, context.rng, params.propensityDraws);
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
