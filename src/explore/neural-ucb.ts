import { z } from 'zod';
import { parseOrThrow } from '../core/index.js';
import type { PolicyDefinition } from './definition.js';
import { AppealParams, AppealState, appealBeliefs, loadPosterior, observeFeedback, prepareAppeal } from './neural-params.js';
import { certainDistribution, certainSlots, topK } from './slate-utils.js';
import type { Candidate, ChooseContext, Policy } from './types.js';

const NeuralUcbParams = AppealParams.extend({
  alphaMax: z.number().min(0).default(2).describe('sds of optimism at exploreWeight 1'),
});
type NeuralUcbParams = z.infer<typeof NeuralUcbParams>;

function createNeuralUcb(params: NeuralUcbParams, state?: unknown): Policy {
  const posterior = loadPosterior(params, state, (s) => parseOrThrow(AppealState, s, { what: 'state', prefix: ['state'] }));
  const slate = (candidates: Candidate[], context: ChooseContext): string[] => {
    const p = prepareAppeal(posterior, candidates, context);
    const alpha = p.weight * params.alphaMax;
    const values = p.mean.map((m, i) => m + alpha * p.sd[i]);
    return topK(values, p.distinct, p.slots);
  };
  return {
    id: 'neural-ucb',
    capabilities: { stochastic: false, learns: true, usesEmbeddings: false, usesState: true },
    choose: (candidates, context) => ({ policy: 'neural-ucb', slots: certainSlots(slate(candidates, context)), propensityMethod: 'exact' }),
    distribution: (candidates, context) => certainDistribution(slate(candidates, context)),
    update: (feedback) => observeFeedback(posterior, feedback),
    beliefs: (candidates, context) => appealBeliefs(posterior, candidates, context),
    save: () => ({ policy: 'neural-ucb', version: 1, params: { ...params }, state: posterior.toJson() }),
  };
}

/** Upper confidence bound on the model's posterior appeal: mean + α·sd, α = exploreWeight × alphaMax. */
export const neuralUcbPolicy: PolicyDefinition<NeuralUcbParams> = {
  id: 'neural-ucb',
  description: "UCB on the model's posterior appeal (Bayesian last layer over the user vector); deterministic",
  capabilities: { stochastic: false, learns: true, usesEmbeddings: false, usesState: true },
  params: NeuralUcbParams,
  create: (params, state) => createNeuralUcb(params, state),
};
