import { createRng } from '../../core/index.js';
import type { Candidate, Policy, SlateDistribution } from '../../explore/index.js';
import { DEFAULT_LOGISTIC, fitLogistic, type FeatureRow, type LogisticOptions } from '../../models/index.js';
import { weightDiagnostics, type WeightDiagnostics } from './diagnostics.js';
import { estimateAll } from './estimators.js';
import { addGradient, type RewardModelTrace } from './reward-model-variance.js';
import type { LoggedSlate } from './store-logs.js';
import type { OpeRound } from './types.js';

export type { WeightDiagnostics } from './diagnostics.js';

/** The candidates the evaluation policy would have ranked for a logged slate; called in time order. */
export type CandidateSource = (slate: LoggedSlate, index: number) => Candidate[];

export interface PolicyEvaluationOptions {
  policy: Policy;
  exploreWeight: number;
  seed: number;
  candidatesFor: CandidateSource;
  /** Interest cluster of an item, for the reward model. */
  clusterOf?: (itemId: string) => string | undefined;
  logistic?: LogisticOptions;
  estimators?: string[];
  /** Feed each slate's logged outcomes to the policy after evaluating it (replay). Default false. */
  learn?: boolean;
  /**
   * Features of an item for embedding-based policies (LinUCB), given to candidates that carry none and to
   * replayed updates; logged candidate sets leave embeddings out, so without this such a policy sees only
   * its bias feature.
   */
  embeddingOf?: (itemId: string) => Float32Array | undefined;
}

export interface PolicyEvaluation {
  policy: string;
  slates: number;
  impressions: number;
  /** The logging policies' observed reward per impression. */
  loggedRewardRate: number;
  estimates: Record<string, number>;
  diagnostics: WeightDiagnostics;
}

function features(itemId: string, position: number, cluster: string | undefined): FeatureRow {
  const row: FeatureRow = [
    [`item=${itemId}`, 1],
    [`pos=${position}`, 1],
  ];
  if (cluster !== undefined) row.push([`cluster=${cluster}`, 1]);
  return row;
}

/** The reward model's rows: every logged impression's (item, position, cluster), in slate order. */
function impressionRows(slates: LoggedSlate[], options: PolicyEvaluationOptions): FeatureRow[] {
  return slates.flatMap((s) => s.impressions.map((i) => features(i.itemId, i.position, options.clusterOf?.(i.itemId))));
}

function withEmbeddings(candidates: Candidate[], embeddingOf: PolicyEvaluationOptions['embeddingOf']): Candidate[] {
  if (!embeddingOf) return candidates;
  return candidates.map((c) => {
    const embedding = c.embedding ?? embeddingOf(c.itemId);
    return embedding ? { ...c, embedding } : c;
  });
}

type Predict = (itemId: string, position: number) => { q: number; row: FeatureRow };

/** Estimator inputs of one slate under the evaluation policy's distribution; adds ∂q̂_e/∂β into `evalGradient`. */
function slateRounds(slate: LoggedSlate, dist: SlateDistribution, predict: Predict, evalGradient: Map<string, number>): OpeRound[] {
  return slate.impressions.map((imp) => {
    const slot = dist[imp.position] ?? new Map<string, number>();
    let underEval = 0;
    for (const [itemId, p] of slot) {
      const { q, row } = predict(itemId, imp.position);
      underEval += p * q;
      addGradient(evalGradient, row, q, p);
    }
    return {
      reward: imp.reward,
      behaviorPropensity: imp.propensity,
      evalProbability: slot.get(imp.itemId) ?? 0,
      predictedLogged: predict(imp.itemId, imp.position).q,
      predictedUnderEval: underEval,
    };
  });
}

/** The estimators' inputs, one round per logged impression in slate order, and the slate each came from. */
export interface PolicyRounds {
  rounds: OpeRound[];
  /** Index (into the slates given) of each round's slate. */
  slateOf: number[];
  /** The reward model behind the rounds' predictions, for intervals that account for its fitting noise. */
  trace: RewardModelTrace;
}

/**
 * The estimators' inputs for a policy on logged slates: for each slate, the policy's (slot, item) distribution
 * over the candidates it would have seen, and a reward model q̂(item, position, cluster) — logistic regression
 * fitted on every logged impression.
 */
export function policyRounds(slates: LoggedSlate[], options: PolicyEvaluationOptions): PolicyRounds {
  const rows = impressionRows(slates, options);
  const logistic = options.logistic ?? DEFAULT_LOGISTIC;
  const model = fitLogistic(
    rows,
    slates.flatMap((s) => s.impressions.map((i) => i.reward)),
    logistic,
  );
  const predict: Predict = (itemId, position) => {
    const row = features(itemId, position, options.clusterOf?.(itemId));
    return { q: model.predict(row), row };
  };
  const evalGradient = new Map<string, number>();
  const rounds: OpeRound[] = [];
  const slateOf: number[] = [];
  slates.forEach((slate, index) => {
    const k = Math.max(0, ...slate.impressions.map((i) => i.position + 1));
    const context = { userId: slate.userId, k, exploreWeight: options.exploreWeight, rng: createRng(options.seed + index) };
    const dist = options.policy.distribution(withEmbeddings(options.candidatesFor(slate, index), options.embeddingOf), context);
    for (const round of slateRounds(slate, dist, predict, evalGradient)) {
      rounds.push(round);
      slateOf.push(index);
    }
    if (options.learn) {
      for (const imp of slate.impressions) {
        const embedding = options.embeddingOf?.(imp.itemId);
        options.policy.update({
          itemId: imp.itemId,
          cluster: options.clusterOf?.(imp.itemId),
          reward: imp.reward,
          position: imp.position,
          ...(embedding ? { embedding } : {}),
        });
      }
    }
  });
  return { rounds, slateOf, trace: { rows, evalGradient, l2: logistic.l2 } };
}

/** Off-policy evaluation of a policy on logged slates: every estimator over all impressions (`policyRounds`). */
export function evaluatePolicyOnLogs(slates: LoggedSlate[], options: PolicyEvaluationOptions): PolicyEvaluation {
  const { rounds } = policyRounds(slates, options);
  const impressions = rounds.length;
  return {
    policy: options.policy.id,
    slates: slates.length,
    impressions,
    loggedRewardRate: rounds.reduce((s, r) => s + r.reward, 0) / Math.max(1, impressions),
    estimates: impressions ? estimateAll(rounds, options.estimators) : {},
    diagnostics: weightDiagnostics(rounds),
  };
}

/**
 * Each slate's logged candidate set (the logging policy's own, with the scores it was given) where the
 * serving runtime recorded one, else `fallback`'s. The fallback sees only the slates it is asked for.
 */
export function recordedCandidates(fallback: CandidateSource): CandidateSource {
  return (slate, index) => slate.candidates ?? fallback(slate, index);
}

/**
 * A causal candidate source for logs that did not record candidate sets: every item shown so far (plus
 * this slate's), scored by its smoothed logged reward rate before this slate, (rewards + 1) / (shows + 20).
 */
export function loggedRateCandidates(clusterOf: (itemId: string) => string | undefined = () => undefined): CandidateSource {
  const stats = new Map<string, { shows: number; rewards: number }>();
  let pending: LoggedSlate | null = null;
  const see = (itemId: string) => stats.get(itemId) ?? stats.set(itemId, { shows: 0, rewards: 0 }).get(itemId)!;
  return (slate) => {
    if (pending) {
      for (const imp of pending.impressions) {
        const s = see(imp.itemId);
        s.shows++;
        s.rewards += imp.reward;
      }
    }
    pending = slate;
    for (const imp of slate.impressions) see(imp.itemId);
    return [...stats].map(([itemId, s]) => ({ itemId, score: (s.rewards + 1) / (s.shows + 20), cluster: clusterOf(itemId) }));
  };
}
