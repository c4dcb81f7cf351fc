/**
 * An experiment's results read from the store: exposures (slate records and impression events tagged with
 * the experiment), outcomes attributed to them, each user's pre-period purchases for CUPED, per-arm business
 * metrics and guardrails, the sample-ratio check, and every treatment arm compared with control (the first arm).
 */
import type { EpochMs, Event } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import type { Experiment, MetricName, PreEvaluation } from '../experiment.js';
import { sampleRatioMismatch, type SrmResult } from '../stats/index.js';
import { armSamples, sampleSummary, USER_METRICS, type AnalysedUser, type UserMetric } from './arm-metrics.js';
import { Attribution, type Outcome, type OutcomeType, type PrePeriod } from './attribution.js';
import { compareMetric, type MetricComparison } from './compare.js';
import { slateGuardrails } from './guardrails.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const OUTCOME_TYPES: readonly OutcomeType[] = ['click', 'cart', 'purchase'];

/** Serving latency of an arm as the server's metrics saw it (this node, since it started). */
export interface ArmLatency {
  requests: number;
  p99Ms: number | null;
}

export interface ResultsOptions {
  /** Results as of this time (default now). */
  now?: EpochMs;
  /** Days before the start whose purchases are CUPED's covariate (default 28). */
  preDays?: number;
  /** Latency of each arm's slates, from the server's metrics; absent in offline analyses. */
  latency?: (experimentId: string) => Promise<Record<string, ArmLatency>>;
}

export interface ArmResult {
  id: string;
  weight: number;
  users: number;
  /** Users also served in another arm after a weight change (analysed in their first arm). */
  movedUsers: number;
  slates: number;
  impressions: number;
  /** Value of each user metric in this arm (null when undefined, e.g. AOV without orders). */
  metrics: Record<UserMetric, number | null>;
  guardrails: { latencyP99Ms: number | null; requests: number | null; coverage: number | null; diversity: number | null };
}

export interface ExperimentResults {
  experiment: { id: string; state: Experiment['state']; startedAt: EpochMs | null; stoppedAt: EpochMs | null };
  window: { from: EpochMs; to: EpochMs; preFrom: EpochMs };
  primaryMetric: MetricName;
  guardrails: MetricName[];
  control: string;
  arms: ArmResult[];
  attribution: { bySlate: number; byWindow: number; hours: number };
  /** Users per arm against the arms' current weights; a mismatch means the comparison cannot be trusted. */
  sampleRatio: SrmResult | null;
  /** Each treatment arm against control, metric by metric (null where there are too few users). */
  comparisons: Array<{ arm: string; metrics: Record<UserMetric, MetricComparison | null> }>;
  /** The off-policy estimate made before launch (reward per impression, comparable to each arm's `ctr`), if any. */
  preEvaluation: PreEvaluation | null;
  warnings: string[];
}

/** Reads the experiment's slates: records the server kept (`Decision.arm`) and impression events tagged with it. */
async function readExposures(store: Store, experiment: Experiment, from: EpochMs, to: EpochMs, attribution: Attribution): Promise<void> {
  const prefix = `${experiment.id}/`;
  for await (const d of store.scanDecisions({ from, to })) {
    if (!d.arm?.startsWith(prefix) || !d.shown) continue;
    attribution.expose({
      recommendationId: d.recommendationId,
      userId: d.userId,
      arm: d.arm.slice(prefix.length),
      timestamp: d.timestamp,
      itemIds: d.shown.map((s) => s.itemId),
    });
  }
  for await (const e of store.scanEvents({ from, to, types: ['impression'] })) {
    const { experiment: id, arm, recommendationId } = e.context;
    if (id !== experiment.id || !arm || !recommendationId || !e.itemId) continue;
    attribution.expose({ recommendationId, userId: e.userId, arm, timestamp: e.timestamp, itemIds: [e.itemId] });
  }
}

/** Money of a purchase: its value, else the item's price, else 0. */
async function priceLookup(store: Store, events: readonly Event[]): Promise<(e: Event) => number> {
  const missing = [
    ...new Set(events.filter((e) => e.type === 'purchase' && !(e.value !== null && e.value > 0)).map((e) => e.itemId as string)),
  ];
  const prices = new Map<string, number>();
  for (let k = 0; k < missing.length; k += 500) {
    for (const item of await store.getItems(missing.slice(k, k + 500))) if (item.price !== null) prices.set(item.id, item.price);
  }
  return (e) => (e.type !== 'purchase' ? 0 : e.value !== null && e.value > 0 ? e.value : (prices.get(e.itemId as string) ?? 0));
}

/** Outcomes of exposed users from the pre-period start to the window end, split into pre-period purchases and outcomes. */
async function readOutcomes(
  store: Store,
  users: ReadonlySet<string>,
  window: ExperimentResults['window'],
  attribution: Attribution,
): Promise<Map<string, PrePeriod>> {
  const events: Event[] = [];
  for await (const e of store.scanEvents({ from: window.preFrom, to: window.to, types: [...OUTCOME_TYPES] })) {
    if (e.itemId !== null && users.has(e.userId)) events.push(e);
  }
  const revenueOf = await priceLookup(store, events);
  const pre = new Map<string, PrePeriod>();
  for (const e of events) {
    if (e.timestamp < window.from) {
      if (e.type !== 'purchase') continue;
      const p = pre.get(e.userId) ?? { orders: 0, revenue: 0 };
      p.orders += 1;
      p.revenue += revenueOf(e);
      pre.set(e.userId, p);
      continue;
    }
    const outcome: Outcome = {
      id: e.id,
      userId: e.userId,
      itemId: e.itemId as string,
      type: e.type as OutcomeType,
      timestamp: e.timestamp,
      revenue: revenueOf(e),
      ...(e.context.recommendationId ? { recommendationId: e.context.recommendationId } : {}),
    };
    attribution.attribute(outcome);
  }
  return pre;
}

/** Computes the results of an experiment that has started. */
export async function experimentResults(store: Store, experiment: Experiment, options: ResultsOptions = {}): Promise<ExperimentResults> {
  const now = options.now ?? Date.now();
  const from = experiment.startedAt ?? now;
  const to = Math.max(from, experiment.stoppedAt ?? now) + 1;
  const window = { from, to, preFrom: from - (options.preDays ?? 28) * DAY_MS };
  const attribution = new Attribution(experiment.attributionHours * HOUR_MS);
  await readExposures(store, experiment, from, to, attribution);
  const exposed = attribution.outcomes();
  const preByUser = await readOutcomes(store, new Set(exposed.keys()), window, attribution);
  const outcomes = attribution.outcomes();
  const byArm = new Map<string, AnalysedUser[]>(experiment.arms.map((a) => [a.id, []]));
  // The pre-period was read for every exposed user: no purchases there is zero, not unknown.
  for (const [id, user] of outcomes) byArm.get(user.arm)?.push({ ...user, pre: preByUser.get(id) ?? { orders: 0, revenue: 0 } });

  const slates = attribution.slateItems();
  const guardrails = await slateGuardrails(store, slates);
  const latency = (await options.latency?.(experiment.id)) ?? {};
  const samples = new Map(experiment.arms.map((a) => [a.id, armSamples(byArm.get(a.id) ?? [])]));
  const arms: ArmResult[] = experiment.arms.map((arm) => {
    const users = byArm.get(arm.id) ?? [];
    const armSample = samples.get(arm.id);
    return {
      id: arm.id,
      weight: arm.weight,
      users: users.length,
      movedUsers: users.filter((u) => u.arms > 1).length,
      slates: users.reduce((s, u) => s + u.slates, 0),
      impressions: users.reduce((s, u) => s + u.impressions, 0),
      metrics: Object.fromEntries(
        USER_METRICS.map((m) => [m, armSample && users.length > 0 ? (sampleSummary(armSample[m])?.mean ?? null) : null]),
      ) as Record<UserMetric, number | null>,
      guardrails: {
        latencyP99Ms: latency[arm.id]?.p99Ms ?? null,
        requests: latency[arm.id]?.requests ?? null,
        coverage: guardrails.get(arm.id)?.coverage ?? null,
        diversity: guardrails.get(arm.id)?.diversity ?? null,
      },
    };
  });

  const [control, ...treatments] = experiment.arms;
  const compareOptions = { minimumDetectableEffect: experiment.minimumDetectableEffect };
  const comparisons = treatments.map((arm) => ({
    arm: arm.id,
    metrics: Object.fromEntries(
      USER_METRICS.map((m) => {
        const c = samples.get(control.id)?.[m];
        const t = samples.get(arm.id)?.[m];
        return [m, c && t ? compareMetric(c, t, compareOptions) : null];
      }),
    ) as Record<UserMetric, MetricComparison | null>,
  }));

  const counts = arms.map((a) => a.users);
  const sampleRatio =
    counts.reduce((a, b) => a + b, 0) > 0
      ? sampleRatioMismatch(
          counts,
          experiment.arms.map((a) => a.weight),
        )
      : null;
  const warnings: string[] = [];
  if (sampleRatio?.mismatch)
    warnings.push(
      `sample ratio mismatch (p = ${sampleRatio.pValue.toExponential(2)}): assignment or logging treats arms differently; do not trust the comparisons`,
    );
  const moved = arms.reduce((s, a) => s + a.movedUsers, 0);
  if (moved > 0) warnings.push(`${moved} users were served in more than one arm after a weight change; each is analysed in its first arm`);
  if (experiment.history.some((h) => h.change.startsWith('weights')))
    warnings.push('weights changed during the experiment: the sample-ratio check uses the current weights');

  return {
    experiment: { id: experiment.id, state: experiment.state, startedAt: experiment.startedAt, stoppedAt: experiment.stoppedAt },
    window,
    primaryMetric: experiment.primaryMetric,
    guardrails: experiment.guardrails,
    control: control.id,
    arms,
    attribution: { bySlate: attribution.counts.bySlate, byWindow: attribution.counts.byWindow, hours: experiment.attributionHours },
    sampleRatio,
    comparisons,
    preEvaluation: experiment.preEvaluation ?? null,
    warnings,
  };
}
