import type { Rng } from '../core/index.js';

/** One item the pipeline offers a policy: the model's score is the exploit signal. */
export interface Candidate {
  itemId: string;
  /** Model score; higher is better. Only the order matters to Greedy and ε-greedy. */
  score: number;
  /** Item embedding for LinUCB; candidates without one get only a bias feature. */
  embedding?: Float32Array;
  /** Interest cluster or category; Thompson sampling shares evidence within it. */
  cluster?: string;
  /**
   * Prior sd of the item's appeal beyond its model score (probit scale): large where the model has little
   * evidence on the item (new, rare), small where it has much. The neural policies' prior; default theirs.
   */
  uncertainty?: number;
}

/** What a policy knows about one request. */
export interface ChooseContext {
  userId: string;
  /** Slate size; the slate has min(k, distinct candidates) slots. */
  k: number;
  /** 0 = pure exploit (the greedy slate, propensity 1), 1 = this policy's maximal exploration. */
  exploreWeight: number;
  /** Seeded stream; a policy draws every random number it needs from it. */
  rng: Rng;
  /** The shopper's user vector from the sequential model: the neural policies' context. */
  state?: Float32Array;
}

/** One shown item with the probability that the policy puts that item in that slot given the context. */
export interface SlateSlot {
  itemId: string;
  /** 0-based. */
  position: number;
  /** In (0, 1]; exact where closed-form, Monte-Carlo otherwise (see `propensityMethod`). */
  propensity: number;
}

export interface Slate {
  policy: string;
  slots: SlateSlot[];
  propensityMethod: 'exact' | 'monte-carlo';
}

/** Per slot, the probability of each item in it: the marginal action distribution of a slate policy. */
export type SlateDistribution = Array<Map<string, number>>;

/** One outcome. Send one per shown slot: reward 0 if nothing happened, 1 for a click or purchase. */
export interface Feedback {
  itemId: string;
  cluster?: string;
  embedding?: Float32Array;
  /** In [0, 1]; 0 = shown and ignored, 1 = click/purchase. */
  reward: number;
  position?: number;
  /**
   * false when this reward belongs to an impression already reported (with reward 0): the policy then
   * turns that failure into this reward instead of counting a second impression. Default true.
   */
  impression?: boolean;
  /** The neural policies' context of the impression: the shopper's user vector when it was shown. */
  state?: Float32Array;
  /** The item's standardised score in its request (`standardScores`), for the neural policies. */
  score?: number;
  /** The candidate's `uncertainty` when it was shown. */
  uncertainty?: number;
  /** A hash of the shopper × item pair (`pairHash`; never the ids), for the neural policies' pair effect. */
  pair?: number;
}

export interface PolicyCapabilities {
  /** Its choices are random for exploreWeight > 0 (propensities can be < 1). */
  stochastic: boolean;
  /** `update` changes later choices. */
  learns: boolean;
  /** It reads `Candidate.embedding`. */
  usesEmbeddings: boolean;
  /** It reads the shopper's user vector (`ChooseContext.state`, `Feedback.state`) and `Candidate.uncertainty`. */
  usesState: boolean;
}

/** A saved policy: enough to rebuild it exactly with `loadPolicy`. */
export interface PolicySnapshot {
  policy: string;
  version: number;
  params: Record<string, unknown>;
  state: unknown;
}

/** What a policy believes about one candidate's appeal to this shopper (policies with a posterior). */
export interface AppealBelief {
  itemId: string;
  cluster?: string;
  /** Posterior probability that the shopper takes the item when shown in the first slot. */
  appeal: number;
  /** Sd of the candidate's own appeal term (probit scale): how unsure the policy is about this item for this shopper. */
  uncertainty: number;
  /**
   * Sd of the true first-slot probability around `appeal`: what more outcomes on the item would teach
   * (`uncertainty`, carried to the probability scale) and the shopper × item effect they never will, measured
   * from repeated showings (0 until enough repeats were seen). The error to expect of `appeal`.
   */
  appealSd: number;
}

/** The explore/exploit contract every policy meets; the shared suite in `policy.case.ts` checks it. */
export interface Policy {
  readonly id: string;
  readonly capabilities: PolicyCapabilities;
  /** Picks a slate of distinct candidates with per-slot propensities. */
  choose(candidates: Candidate[], context: ChooseContext): Slate;
  /** The marginal (slot, item) distribution `choose` samples from (Monte-Carlo for stochastic slates). */
  distribution(candidates: Candidate[], context: ChooseContext): SlateDistribution;
  /** Applies one outcome to the state at once. */
  update(feedback: Feedback): void;
  /** JSON-safe state for persistence. */
  save(): PolicySnapshot;
  /** Its belief in each distinct candidate's appeal (what its exploration reads); absent for policies without one. */
  beliefs?(candidates: Candidate[], context: ChooseContext): AppealBelief[];
}
