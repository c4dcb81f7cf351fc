import { createRng, type EpochMs } from '../../core/index.js';
import { categoryEmbedding, type Policy } from '../../explore/index.js';
import type { Store } from '../../store/index.js';
import { overlapWarnings, weightDiagnostics, type WeightDiagnostics } from './diagnostics.js';
import { ESTIMATORS } from './estimators.js';
import { estimateWithInterval, type IntervalEstimate, type IntervalOptions } from './intervals.js';
import { policyFromConfig, type OpeConfig } from './ope-config.js';
import { loggedRateCandidates, policyRounds, recordedCandidates, type CandidateSource, type PolicyRounds } from './policy-evaluation.js';
import { SLOPE_CANDIDATES, selectBySlope } from './slope.js';
import { readStoreLogs, type LoggedSlate, type StoreLogs } from './store-logs.js';

/** The estimate SLOPE picked, with its 95% interval. */
export interface ChosenEstimate extends IntervalEstimate {
  estimator: string;
}

/** What `curio ope` prints and `POST /v1/admin/ope` answers (plain JSON: every number finite). */
export interface OffPolicyReport {
  policy: string;
  exploreWeight: number;
  slates: number;
  impressions: number;
  /** The logging policies' observed reward per impression. */
  loggedRewardRate: number;
  /** SLOPE's pick among SNIPS, DR and switch-DR; null when no candidate has a finite interval. */
  chosen: ChosenEstimate | null;
  /** The configured estimators (default all), each with its 95% interval. */
  estimates: Record<string, IntervalEstimate>;
  /** SLOPE's candidates in the order it walked them, and their intervals. */
  selection: { rule: 'slope'; order: string[]; candidates: Record<string, IntervalEstimate> };
  interval: { level: 0.95; method: 'normal' | 'bootstrap'; unit: 'user' | 'slate'; clusters: number };
  diagnostics: WeightDiagnostics;
  warnings: string[];
  /** What reading the logs left out (only from a store). */
  logs?: Pick<StoreLogs, 'skippedImpressions' | 'pinnedImpressions' | 'unmatchedRewards' | 'slatesWithCandidates'>;
}

export interface SlateReportOptions {
  candidatesFor: CandidateSource;
  /** The policy `config` describes, when already built (default: built from it). */
  policy?: Policy;
  clusterOf?: (itemId: string) => string | undefined;
  embeddingOf?: (itemId: string) => Float32Array | undefined;
}

const finite = (e: IntervalEstimate): boolean => [e.estimate, e.lower, e.upper, e.stdError].every(Number.isFinite);

/** Cluster id per round: its slate's index, or its user's. */
export function clusterIds(slates: LoggedSlate[], slateOf: number[], unit: 'user' | 'slate'): number[] {
  if (unit === 'slate') return slateOf;
  const users = new Map<string, number>();
  const userOf = slates.map((s) => users.get(s.userId) ?? users.set(s.userId, users.size).get(s.userId)!);
  return slateOf.map((i) => userOf[i]);
}

/**
 * The report on logged slates: every configured estimator and SLOPE's candidates with 95% intervals (users or
 * slates as the variance's unit), SLOPE's pick, weight diagnostics and overlap warnings.
 */
export function reportOnSlates(slates: LoggedSlate[], config: OpeConfig, options: SlateReportOptions): OffPolicyReport {
  const policy = options.policy ?? policyFromConfig(config);
  const built = policyRounds(slates, { ...options, policy, exploreWeight: config.exploreWeight, seed: config.seed, learn: config.learn });
  return reportOnRounds(slates, built, config, policy.id);
}

/** `reportOnSlates` on the rounds `policyRounds` built from `slates` for the policy `policyId`. */
export function reportOnRounds(slates: LoggedSlate[], built: PolicyRounds, config: OpeConfig, policyId: string): OffPolicyReport {
  const interval = { method: 'normal' as const, unit: 'user' as const, resamples: 200, ...config.interval };
  const { rounds, slateOf, trace } = built;
  const clusters = clusterIds(slates, slateOf, interval.unit);
  const intervalOptions: IntervalOptions = { ...interval, clusters, trace, rng: createRng(config.seed) };
  const warnings: string[] = [];
  const withIntervals = (names: readonly string[]): Record<string, IntervalEstimate> => {
    const out: Record<string, IntervalEstimate> = {};
    if (rounds.length === 0) return out;
    for (const name of names) {
      const e = estimateWithInterval(name, rounds, intervalOptions);
      if (finite(e)) out[name] = e;
      else
        warnings.push(`${name}: no finite estimate or interval on these logs (no weight on any impression, or a single ${interval.unit})`);
    }
    return out;
  };
  const estimates = withIntervals(config.estimators ?? Object.keys(ESTIMATORS));
  const selection = selectBySlope(withIntervals(SLOPE_CANDIDATES));
  const diagnostics = weightDiagnostics(rounds);
  warnings.unshift(...overlapWarnings({ rounds, diagnostics, clusters, clusterUnit: `${interval.unit}s` }));
  const chosen = selection.chosen ? { estimator: selection.chosen, ...selection.candidates[selection.chosen] } : null;
  return {
    policy: policyId,
    exploreWeight: config.exploreWeight,
    slates: slates.length,
    impressions: rounds.length,
    loggedRewardRate: rounds.reduce((s, r) => s + r.reward, 0) / Math.max(1, rounds.length),
    chosen,
    estimates,
    selection: { rule: 'slope', order: selection.order, candidates: selection.candidates },
    interval: { level: 0.95, method: interval.method, unit: interval.unit, clusters: new Set(clusters).size },
    diagnostics,
    warnings,
  };
}

/**
 * Interest cluster per item: the one the serving runtime gave the policy (logged candidates), else the
 * item's category path joined as the runtime joins it, so a saved serving state's clusters line up.
 */
async function clustersOf(store: Store, slates: LoggedSlate[]): Promise<(itemId: string) => string | undefined> {
  const clusters = new Map<string, string | undefined>();
  for (const slate of slates) for (const c of slate.candidates ?? []) if (c.cluster !== undefined) clusters.set(c.itemId, c.cluster);
  const missing = [...new Set(slates.flatMap((s) => s.impressions.map((i) => i.itemId)))].filter((id) => !clusters.has(id));
  for (const item of await store.getItems(missing)) clusters.set(item.id, item.categoryPath.join(' > ') || undefined);
  return (id) => clusters.get(id);
}

/**
 * Off-policy evaluation of the policy `config` describes on the slates a store logged in [from, to): what
 * `curio ope` and `POST /v1/admin/ope` report. Slates are evaluated on their logged candidate sets where the
 * serving runtime recorded them, else on the items logged so far (`loggedRateCandidates`).
 */
export async function offPolicyReport(
  store: Store,
  config: OpeConfig,
  range: { from?: EpochMs; to?: EpochMs } = {},
): Promise<OffPolicyReport> {
  // Built first: an unknown policy or bad params fail before the logs are read.
  const policy = policyFromConfig(config);
  const logs = await readStoreLogs(store, range);
  const clusterOf = await clustersOf(store, logs.slates);
  const report = reportOnSlates(logs.slates, config, {
    policy,
    clusterOf,
    // The runtime gives embedding-based policies its category features; logged candidates leave them out.
    embeddingOf: policy.capabilities.usesEmbeddings ? (id) => categoryEmbedding(clusterOf(id)) : undefined,
    candidatesFor: recordedCandidates(loggedRateCandidates(clusterOf)),
  });
  const { skippedImpressions, pinnedImpressions, unmatchedRewards, slatesWithCandidates } = logs;
  return { ...report, logs: { skippedImpressions, pinnedImpressions, unmatchedRewards, slatesWithCandidates } };
}
