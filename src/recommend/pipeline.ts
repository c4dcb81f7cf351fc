import type { Config, EventWeights, Rng } from '../core/index.js';
import { evidenceUncertainty, type Candidate, type Policy, type ShopperBudget } from '../explore/index.js';
import { jensenShannon } from '../interest/index.js';
import { gatherCandidates, historyShares } from './candidates.js';
import { NO_CATEGORY } from './item-table.js';
import type { LiveLists } from './live-lists.js';
import type { Profile, RecommendationMode } from './profile.js';
import { rankCandidates } from './rank.js';
import { reasonFor, type ReasonContext } from './reasons.js';
import { buildRules } from './rules.js';
import { chooseSlate, type ChooseSlateInput } from './slate.js';
import type { ServingSnapshot } from './snapshot.js';

/** What one request asks for (validated at the HTTP edge). */
export interface SlateRequest {
  count: number;
  /** In [0, 1]. */
  exploreWeight: number;
  /** Spread the weight by the shopper's need (ShopperBudget): the deployment's weight, not one the request gave. */
  adaptive?: boolean;
  category?: string;
  exclude: readonly string[];
  /** The experiment arm the requester is assigned to (the runtime applies its policy and weight). */
  experiment?: ExperimentAssignment;
  /**
   * Shop by photo: the items that look like the shopper's photo, with their visual similarity. They are the
   * only candidates; their similarity leads the ranking and the shopper's interests re-rank among them.
   */
  lookalikes?: ReadonlyArray<{ itemId: string; similarity: number }>;
}

/** An assignment as the request path makes it; the arm applies only when the audience admits the profile. */
export interface ExperimentAssignment {
  id: string;
  arm: string;
  audience: 'all' | 'new' | 'returning';
  /** A model registry version the arm serves instead of the deployment's model. */
  model?: string;
  /** Ranking rules that differ from the deployment's serving settings. */
  rules?: Partial<Pick<Config['serving'], 'diversity' | 'maxPerCategory' | 'mmrLambda'>>;
  policy?: string;
  policyParams?: Record<string, unknown>;
  exploreWeight?: number;
}

/** One recommended item as the API returns it. */
export interface RecommendedItem {
  itemId: string;
  position: number;
  score: number;
  reason: string;
  /** Not in the slate the policy would show at exploreWeight 0. */
  explored: boolean;
  /** P(this item in this slot) under the policy; logged with the impression. */
  propensity: number;
  title: string;
  category: string | null;
}

export interface Recommendation {
  recommendationId: string;
  mode: RecommendationMode;
  personalized: boolean;
  policy: string;
  propensityMethod: 'exact' | 'monte-carlo';
  exploreWeight: number;
  model: string | null;
  /** The registry version that scored it, or null. */
  modelVersion: string | null;
  /** The experiment and arm it was served in, or null. */
  experiment: { id: string; arm: string } | null;
  items: RecommendedItem[];
}

/** A recommendation as the pipeline made it: the response plus what the policy chose from (logged, never returned). */
export interface PipelineResult extends Recommendation {
  candidates: Candidate[];
  /**
   * Per item, the slot the policy chose it for, or null for a pin (logged, never returned): a pin shifts
   * the items after it, and their propensities are for the policy's slots, not the shown positions.
   */
  policySlots: Array<number | null>;
  /** The user vector the policy read (policies with `usesState`), kept for its feedback. */
  state: Float32Array | null;
}

/** The long-lived parts a request reads. */
export interface PipelineDeps {
  snap: ServingSnapshot;
  live: LiveLists;
  policy: Policy;
  serving: Config['serving'];
  eventWeights: EventWeights;
  /** Spreads the explore weight over shoppers by need (requests with `adaptive`). */
  budget?: ShopperBudget;
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

/**
 * One slate, synchronously: candidates → ranking → rules → diversity → exploration slots (the policy) →
 * reasons. The profile was read from the store just before, so the newest events count at once.
 */
export function runPipeline(
  deps: PipelineDeps,
  profile: Profile,
  request: SlateRequest,
  rng: Rng,
  recommendationId: string,
): PipelineResult {
  const { snap } = deps;
  const table = snap.items;
  const { input, historyIndex, wantsState } = slateInput(deps, profile, request, rng);
  const { exploreWeight } = input;
  const slate = chooseSlate(input);
  const seenCategories = new Set<number>();
  for (const i of historyIndex) if (i >= 0 && table.category[i] !== NO_CATEGORY) seenCategories.add(table.category[i]);
  const reasonContext: ReasonContext = { snap, profile, historyIndex, seenCategories };
  return {
    recommendationId,
    mode: profile.mode,
    personalized: profile.mode === 'personalized' || profile.mode === 'session',
    policy: slate.policy,
    propensityMethod: slate.propensityMethod,
    exploreWeight: round(exploreWeight),
    model: snap.info.modelId,
    modelVersion: snap.info.versionId,
    experiment: null,
    items: slate.slots.map((s) => ({
      itemId: table.ids[s.row.index],
      position: s.position,
      score: round(s.row.score),
      reason: s.pinned ? 'featured' : reasonFor(reasonContext, s.row, s.explored),
      explored: s.explored,
      propensity: s.propensity,
      title: table.titles[s.row.index],
      category: table.categoryOf(s.row.index),
    })),
    candidates: slate.candidates,
    policySlots: slate.slots.map((s) => s.slot),
    state: wantsState ? (input.state ?? null) : null,
  };
}

/**
 * Everything before the policy's choice: candidates from every source under the request's rules, ranked,
 * with the pins that pass the rules, the explore weight (spread by need when `adaptive`) and the user vector.
 */
export function slateInput(
  deps: PipelineDeps,
  profile: Profile,
  request: SlateRequest,
  rng: Rng,
): { input: ChooseSlateInput; historyIndex: Int32Array; wantsState: boolean } {
  const { snap, serving } = deps;
  const table = snap.items;
  const historyIndex = historyIndexes(table, profile);
  const rules = buildRules({ table, profile, exclude: request.exclude, category: request.category });
  const wantsState = deps.policy.capabilities.usesState;
  const stateOut = { vector: null as Float32Array | null };
  const rows = gatherCandidates({
    snap,
    live: deps.live,
    profile,
    rules,
    historyIndex,
    perSource: Math.max(2 * serving.candidateCount, request.count),
    explorationCategories: serving.explorationCategories,
    explorationPool: serving.explorationPool,
    wantsState,
    stateOut,
    eventWeights: deps.eventWeights,
    rng,
    ...(request.lookalikes ? { lookalikes: lookalikeIndexes(table, request.lookalikes) } : {}),
  });
  const exploreWeight =
    request.adaptive && deps.budget ? adaptiveWeight(deps, profile, historyIndex, request.exploreWeight) : request.exploreWeight;
  const ranked = rankCandidates(rows, table, profile.history.length > 0);
  const pins = serving.pins.flatMap((p) => {
    const index = table.find(p.itemId);
    return index !== undefined && rules.allows(index) ? [{ index, position: p.position }] : [];
  });
  const input: ChooseSlateInput = {
    ranked,
    table,
    policy: deps.policy,
    count: request.count,
    exploreWeight,
    // Shop by photo asks for one look, usually of one category: spreading it over categories, or pinning
    // items that do not look like it, would defeat it.
    serving: request.lookalikes ? { ...serving, diversity: 'none' } : serving,
    pins: request.lookalikes ? [] : pins,
    userKey: profile.storedUserId ?? 'anonymous',
    rng,
    ...(stateOut.vector ? { state: stateOut.vector } : {}),
    ...(wantsState ? { uncertaintyOf: (i: number) => evidenceUncertainty(i < snap.popularity.length ? snap.popularity[i] : 0) } : {}),
  };
  return { input, historyIndex, wantsState };
}

/** The profile's history as table indexes (-1 for items the table does not hold). */
export function historyIndexes(table: ServingSnapshot['items'], profile: Profile): Int32Array {
  return Int32Array.from(profile.history, (e) => table.indexOf.get(e.itemId) ?? -1);
}

/** Lookalike item ids as table indexes (ids the table does not know are left out). */
function lookalikeIndexes(table: ServingSnapshot['items'], lookalikes: NonNullable<SlateRequest['lookalikes']>): Map<number, number> {
  const out = new Map<number, number>();
  for (const l of lookalikes) {
    const index = table.find(l.itemId);
    if (index !== undefined) out.set(index, l.similarity);
  }
  return out;
}

/** The shop's weight spread by this shopper's need: how new they are, and how far their recent interests drifted. */
function adaptiveWeight(deps: PipelineDeps, profile: Profile, historyIndex: Int32Array, weight: number): number {
  const shares = historyShares({ snap: deps.snap, historyIndex, profile, eventWeights: deps.eventWeights });
  const drift = profile.history.length > 0 ? jensenShannon(shares.recent, shares.long) : 0;
  return (deps.budget as ShopperBudget).weightFor(weight, { events: profile.history.length, drift });
}
