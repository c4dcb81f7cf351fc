import { z } from 'zod';
import type { PolicyDefinition } from './definition.js';
import { certainDistribution, certainSlots, distinctCandidates, slotCount, topK } from './slate-utils.js';
import type { Candidate, ChooseContext, Policy } from './types.js';

const GreedyParams = z.object({});
type GreedyParams = z.infer<typeof GreedyParams>;

/** The k best candidates by model score; exploreWeight has no effect; every propensity is 1. */
function greedySlate(candidates: Candidate[], context: ChooseContext): string[] {
  const distinct = distinctCandidates(candidates);
  return topK(
    distinct.map((c) => c.score),
    distinct,
    slotCount(distinct, context),
  );
}

function createGreedy(): Policy {
  return {
    id: 'greedy',
    capabilities: { stochastic: false, learns: false, usesEmbeddings: false, usesState: false },
    choose: (candidates, context) => ({
      policy: 'greedy',
      slots: certainSlots(greedySlate(candidates, context)),
      propensityMethod: 'exact',
    }),
    distribution: (candidates, context) => certainDistribution(greedySlate(candidates, context)),
    update: () => {},
    save: () => ({ policy: 'greedy', version: 1, params: {}, state: null }),
  };
}

/** Pure exploitation of the model score: the reference every other policy equals at exploreWeight 0. */
export const greedyPolicy: PolicyDefinition<GreedyParams> = {
  id: 'greedy',
  description: 'top-k by model score; deterministic (propensity 1)',
  capabilities: { stochastic: false, learns: false, usesEmbeddings: false, usesState: false },
  params: GreedyParams,
  create: () => createGreedy(),
};
