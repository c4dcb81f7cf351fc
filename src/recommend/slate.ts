import { createRng, type Config, type Rng } from '../core/index.js';
import { capPerCategory, categoryEmbedding, mmrRerank, type Candidate, type Policy } from '../explore/index.js';
import type { ItemTable } from './item-table.js';
import type { RankedCandidate } from './rank.js';

/** One slot of a served slate, before reasons are attached. */
export interface ChosenSlot {
  row: RankedCandidate;
  position: number;
  /** Probability that the policy put this item in this slot; 1 for pins and deterministic choices. */
  propensity: number;
  /** Not in the slate the policy would show at exploreWeight 0. */
  explored: boolean;
  /** The slot the policy chose the item for (its propensity is for that slot); null for a pin. */
  slot: number | null;
  pinned: boolean;
}

export interface ChosenSlate {
  policy: string;
  propensityMethod: 'exact' | 'monte-carlo';
  slots: ChosenSlot[];
  /** The shortlist the policy chose from, as it received it (logged as the decision's candidate set). */
  candidates: Candidate[];
}

export interface ChooseSlateInput {
  ranked: RankedCandidate[];
  table: ItemTable;
  policy: Policy;
  count: number;
  exploreWeight: number;
  serving: Pick<Config['serving'], 'candidateCount' | 'diversity' | 'maxPerCategory' | 'mmrLambda'>;
  /** Pins already checked against the request's rules: table index → position. */
  pins: ReadonlyArray<{ index: number; position: number }>;
  userKey: string;
  rng: Rng;
  /** The shopper's user vector, for policies that read it. */
  state?: Float32Array;
  /** A table index's prior uncertainty (evidenceUncertainty of its popularity), for policies that read it. */
  uncertaintyOf?: (index: number) => number;
}

interface Diverse {
  itemId: string;
  score: number;
  cluster?: string;
  row: RankedCandidate;
}

/** Reorders the ranked list for diversity and keeps the shortlist the policy chooses from. */
function shortlist(input: ChooseSlateInput, pinned: ReadonlySet<number>): Diverse[] {
  const t = input.table;
  const list: Diverse[] = [];
  // Diversity only needs the head of the ranking: caps push at most a few candidates per category back.
  for (const row of input.ranked) {
    if (list.length >= 4 * input.serving.candidateCount) break;
    if (pinned.has(row.index)) continue;
    list.push({ itemId: t.ids[row.index], score: row.score, cluster: t.categoryOf(row.index) ?? undefined, row });
  }
  const size = Math.min(input.serving.candidateCount, list.length);
  const { diversity, maxPerCategory, mmrLambda } = input.serving;
  if (diversity === 'caps') return capPerCategory(list, { k: list.length, maxPerCategory, backfill: true }).slice(0, size);
  if (diversity === 'mmr') return mmrRerank(list, { k: size, lambda: mmrLambda, similarity: 'category' });
  return list.slice(0, size);
}

/**
 * The diversified shortlist goes to the policy with the ranking scores re-dealt in shortlist order
 * (strictly decreasing), so the policy's greedy slate is the diversified one and the score scale is kept.
 */
function policyCandidates(list: Diverse[], withEmbeddings: boolean, uncertaintyOf?: (index: number) => number): Candidate[] {
  // A typed array sorts numerically with no comparator (ascending): read it from the end.
  const scores = Float64Array.from(list, (d) => d.score).sort();
  return list.map((d, r) => ({
    itemId: d.itemId,
    score: scores[scores.length - 1 - r] - r * 1e-9,
    cluster: d.cluster,
    ...(withEmbeddings ? { embedding: categoryEmbedding(d.cluster) } : {}),
    ...(uncertaintyOf ? { uncertainty: uncertaintyOf(d.row.index) } : {}),
  }));
}

/** The diversified shortlist as the policy receives it, and the pins that fit in the slate. */
function shortlistFor(input: ChooseSlateInput): { list: Diverse[]; candidates: Candidate[]; pins: ChooseSlateInput['pins'] } {
  const pins = input.pins.filter((p) => p.position < input.count);
  const list = shortlist(input, new Set(pins.map((p) => p.index)));
  const usesState = input.policy.capabilities.usesState;
  const candidates = policyCandidates(list, input.policy.capabilities.usesEmbeddings, usesState ? input.uncertaintyOf : undefined);
  return { list, candidates, pins };
}

/** What the policy would choose this slate from (chooseSlate's `candidates`), without choosing. */
export function slateCandidates(input: ChooseSlateInput): Candidate[] {
  return shortlistFor(input).candidates;
}

/** Diversity, then the policy's exploration slots, then pins: the slate with a propensity per slot. */
export function chooseSlate(input: ChooseSlateInput): ChosenSlate {
  const { list, candidates, pins } = shortlistFor(input);
  const slots = Math.min(input.count - pins.length, list.length);
  const usesState = input.policy.capabilities.usesState;
  const slate = input.policy.choose(candidates, {
    userId: input.userKey,
    k: slots,
    exploreWeight: input.exploreWeight,
    rng: input.rng,
    ...(usesState && input.state ? { state: input.state } : {}),
  });
  // "Explored": not in the slate this policy shows at exploreWeight 0 — for a learning policy its posterior
  // ranking, which can differ from the score order it started from.
  const atZero =
    input.exploreWeight > 0 && input.policy.capabilities.learns
      ? input.policy
          .choose(candidates, {
            userId: input.userKey,
            k: slots,
            exploreWeight: 0,
            rng: createRng(1),
            ...(usesState && input.state ? { state: input.state } : {}),
          })
          .slots.map((s) => s.itemId)
      : input.exploreWeight > 0
        ? list.slice(0, slots).map((d) => d.itemId)
        : slate.slots.map((s) => s.itemId);
  const greedy = new Set(atZero);
  const byId = new Map(list.map((d) => [d.itemId, d.row]));
  const chosen: ChosenSlot[] = slate.slots.map((s) => ({
    row: byId.get(s.itemId) as RankedCandidate,
    position: s.position,
    propensity: s.propensity,
    explored: !greedy.has(s.itemId),
    slot: s.position,
    pinned: false,
  }));
  for (const pin of [...pins].sort((a, b) => a.position - b.position)) {
    const row: RankedCandidate = input.ranked.find((r) => r.index === pin.index) ?? pinRow(pin.index);
    chosen.splice(Math.min(pin.position, chosen.length), 0, {
      row,
      position: pin.position,
      propensity: 1,
      explored: false,
      slot: null,
      pinned: true,
    });
  }
  chosen.forEach((s, position) => (s.position = position));
  return { policy: slate.policy, propensityMethod: slate.propensityMethod, slots: chosen, candidates };
}

function pinRow(index: number): RankedCandidate {
  return {
    index,
    model: Number.NaN,
    covisit: 0,
    anchor: -1,
    trend: 0,
    popular: 0,
    isNew: false,
    pool: false,
    lookalike: Number.NaN,
    score: 0,
  };
}
