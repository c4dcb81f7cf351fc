import { z } from 'zod';
import { shuffle } from '../core/index.js';
import type { PolicyDefinition } from './definition.js';
import { clampWeight, distinctCandidates, rankBy, slotCount } from './slate-utils.js';
import type { Candidate, ChooseContext, Policy, SlateDistribution } from './types.js';

const EpsilonGreedyParams = z.object({
  epsilonMax: z
    .number()
    .min(0)
    .max(1)
    .default(0.2)
    .describe('per-slot exploration probability at exploreWeight 1 (ε = exploreWeight × epsilonMax)'),
});
type EpsilonGreedyParams = z.infer<typeof EpsilonGreedyParams>;

interface Split {
  greedy: string[];
  tail: string[];
}

function split(candidates: Candidate[], context: ChooseContext): Split {
  const distinct = distinctCandidates(candidates);
  const order = rankBy(
    distinct.map((c) => c.score),
    distinct,
  ).map((i) => distinct[i].itemId);
  const slots = slotCount(distinct, context);
  return { greedy: order.slice(0, slots), tail: order.slice(slots) };
}

/** P(Binomial(n, p) < m). */
function binomialBelow(n: number, p: number, m: number): number {
  if (p >= 1) return n < m ? 1 : 0;
  let total = 0;
  let term = Math.pow(1 - p, n);
  for (let x = 0; x < Math.min(m, n + 1); x++) {
    total += term;
    term *= ((n - x) / (x + 1)) * (p / (1 - p));
  }
  return Math.min(1, total);
}

/** P(slot j shows a tail item): it explores (ε) and fewer than |tail| earlier slots already took one. */
function exploreProbability(slot: number, epsilon: number, tailSize: number): number {
  if (tailSize === 0 || epsilon === 0) return 0;
  return epsilon * binomialBelow(slot, epsilon, tailSize);
}

/**
 * Each slot independently explores with probability ε: it swaps its greedy item for the next item of a
 * uniformly shuffled tail (the candidates outside the greedy slate). Marginals are exact:
 * P(slot j = greedy_j) = 1 − q_j and P(slot j = t) = q_j / |tail| for tail items, q_j = ε·P(Bin(j, ε) < |tail|).
 */
function createEpsilonGreedy(params: EpsilonGreedyParams): Policy {
  const epsilonOf = (context: ChooseContext): number => clampWeight(context.exploreWeight) * params.epsilonMax;
  const distribution = (candidates: Candidate[], context: ChooseContext): SlateDistribution => {
    const { greedy, tail } = split(candidates, context);
    const epsilon = epsilonOf(context);
    return greedy.map((g, j) => {
      const q = exploreProbability(j, epsilon, tail.length);
      const slot = new Map<string, number>();
      if (q < 1) slot.set(g, 1 - q);
      if (q > 0) for (const t of tail) slot.set(t, q / tail.length);
      return slot;
    });
  };
  return {
    id: 'epsilon-greedy',
    capabilities: { stochastic: true, learns: false, usesEmbeddings: false, usesState: false },
    choose(candidates, context) {
      const { greedy, tail } = split(candidates, context);
      const epsilon = epsilonOf(context);
      const explore = greedy.map(() => context.rng.next() < epsilon);
      const pool = explore.some(Boolean) ? shuffle([...tail], context.rng) : [];
      let used = 0;
      const slots = greedy.map((g, j) => {
        const q = exploreProbability(j, epsilon, tail.length);
        if (explore[j] && used < pool.length) return { itemId: pool[used++], position: j, propensity: q / tail.length };
        return { itemId: g, position: j, propensity: 1 - q };
      });
      return { policy: 'epsilon-greedy', slots, propensityMethod: 'exact' };
    },
    distribution,
    update: () => {},
    save: () => ({ policy: 'epsilon-greedy', version: 1, params: { ...params }, state: null }),
  };
}

/** ε-greedy over the model score with exact per-slot propensities. */
export const epsilonGreedyPolicy: PolicyDefinition<EpsilonGreedyParams> = {
  id: 'epsilon-greedy',
  description: 'greedy slate; each slot explores a random non-greedy candidate with probability ε',
  capabilities: { stochastic: true, learns: false, usesEmbeddings: false, usesState: false },
  params: EpsilonGreedyParams,
  create: (params) => createEpsilonGreedy(params),
};
