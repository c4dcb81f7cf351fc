/**
 * Before launch: each arm's policy and explore weight evaluated off-policy on the slates the deployment
 * logged (SLOPE's choice among SNIPS, DR and switch-DR, with a 95% interval and overlap warnings), kept with
 * the experiment so its online results can be read next to the estimate.
 */
import type { EpochMs } from '../core/index.js';
import { offPolicyReport, parseOpeConfig } from '../eval/index.js';
import type { Store } from '../store/index.js';
import type { ArmPreEvaluation, Experiment, PreEvaluation } from './experiment.js';

/** What an arm does not set is the deployment's. */
export interface DeploymentPolicy {
  policy: string;
  policyParams: Record<string, unknown>;
  exploreWeight: number;
}

const DAY_MS = 86_400_000;

/** Evaluates every arm on the logs of [from, to) (default: the 7 days before now). */
export async function preEvaluate(
  store: Store,
  experiment: Experiment,
  deployment: DeploymentPolicy,
  window: { from?: EpochMs; to?: EpochMs; now?: EpochMs } = {},
): Promise<PreEvaluation> {
  const now = window.now ?? Date.now();
  const to = window.to ?? now;
  const from = window.from ?? to - 7 * DAY_MS;
  const arms: Record<string, ArmPreEvaluation> = {};
  let shared: Pick<PreEvaluation, 'slates' | 'impressions' | 'loggedRewardRate'> = { slates: 0, impressions: 0, loggedRewardRate: 0 };
  for (const arm of experiment.arms) {
    const policy = arm.policy ?? deployment.policy;
    const exploreWeight = arm.exploreWeight ?? deployment.exploreWeight;
    const config = parseOpeConfig({
      policy,
      params: arm.policy ? (arm.policyParams ?? {}) : deployment.policyParams,
      exploreWeight,
    });
    const report = await offPolicyReport(store, config, { from, to });
    shared = { slates: report.slates, impressions: report.impressions, loggedRewardRate: report.loggedRewardRate };
    arms[arm.id] = {
      policy,
      exploreWeight,
      estimator: report.chosen?.estimator ?? null,
      estimate: report.chosen?.estimate ?? null,
      lower: report.chosen?.lower ?? null,
      upper: report.chosen?.upper ?? null,
      effectiveSampleSize: report.diagnostics.effectiveSampleSize,
      warnings: report.warnings,
    };
  }
  return { at: now, from, to, ...shared, arms };
}
