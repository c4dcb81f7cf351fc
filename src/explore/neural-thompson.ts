import { z } from 'zod';
import { parseOrThrow, type Rng } from '../core/index.js';
import type { PolicyDefinition } from './definition.js';
import { sampleDistribution, sampleWithPropensities } from './monte-carlo.js';
import { AppealParams, AppealState, loadPosterior, observeFeedback, prepareAppeal, type PreparedAppeal } from './neural-params.js';
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

function createNeuralThompson(params: NeuralThompsonParams, state?: unknown): Policy {
  const posterior = loadPosterior(params, state, (s) => parseOrThrow(AppealState, s, { what: 'state', prefix: ['state'] }));
  const sampler = (candidates: Candidate[], context: ChooseContext) => {
    const prepared = prepareAppeal(posterior, candidates, context);
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
