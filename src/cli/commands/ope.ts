import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CurioError } from '../../core/index.js';
import { categoryEmbedding } from '../../explore/index.js';
import {
  evaluatePolicyOnLogs,
  loggedRateCandidates,
  parseOpeConfig,
  policyFromConfig,
  readStoreLogs,
  recordedCandidates,
  type StoreLogs,
} from '../../eval/index.js';
import { openStore, type Store } from '../../store/index.js';

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new CurioError('BAD_INPUT', `cannot read JSON from ${path}`, { cause });
  }
}

function parseTime(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new CurioError('BAD_INPUT', `${flag} must be an ISO date`, { problems: [{ path: flag, message: value }] });
  return ms;
}

/**
 * Interest cluster per item: the one the serving runtime gave the policy (logged candidates), else the
 * item's category path joined as the runtime joins it, so a saved serving state's clusters line up.
 */
async function clustersOf(store: Store, logs: StoreLogs): Promise<(itemId: string) => string | undefined> {
  const clusters = new Map<string, string | undefined>();
  for (const slate of logs.slates) for (const c of slate.candidates ?? []) if (c.cluster !== undefined) clusters.set(c.itemId, c.cluster);
  const missing = [...new Set(logs.slates.flatMap((s) => s.impressions.map((i) => i.itemId)))].filter((id) => !clusters.has(id));
  for (const item of await store.getItems(missing)) clusters.set(item.id, item.categoryPath.join(' > ') || undefined);
  return (id) => clusters.get(id);
}

interface OpeFlags {
  logs: string;
  policy: string;
  from?: string;
  to?: string;
  json?: boolean;
}

/** `curio ope`: off-policy evaluation of a candidate policy on the impressions logged in a store. */
export function register(program: Command): void {
  program
    .command('ope')
    .description(
      'estimate how a candidate explore/exploit policy would have done on logged impressions (DM, IPS, SNIPS, DR, switch-DR, DRos)',
    )
    .requiredOption('--logs <url>', 'store holding impression/click/purchase events, e.g. sqlite:./curio.db')
    .requiredOption(
      '--policy <file>',
      'JSON: {"policy": "thompson", "params": {}, "state"?, "exploreWeight": 1, "seed": 1, "learn": false}',
    )
    .option('--from <iso>', 'only events at or after this time')
    .option('--to <iso>', 'only events before this time')
    .option('--json', 'print JSON')
    .action(async (flags: OpeFlags) => {
      const config = parseOpeConfig(readJson(flags.policy));
      const policy = policyFromConfig(config);
      const store = await openStore(flags.logs);
      try {
        const logs = await readStoreLogs(store, { from: parseTime(flags.from, '--from'), to: parseTime(flags.to, '--to') });
        const clusterOf = await clustersOf(store, logs);
        const result = evaluatePolicyOnLogs(logs.slates, {
          policy,
          exploreWeight: config.exploreWeight,
          seed: config.seed,
          learn: config.learn,
          estimators: config.estimators,
          clusterOf,
          // The runtime gives embedding-based policies its category features; logged candidates leave them out.
          embeddingOf: policy.capabilities.usesEmbeddings ? (id) => categoryEmbedding(clusterOf(id)) : undefined,
          // Logged candidate sets where the runtime recorded them; older logs fall back to the items shown so far.
          candidatesFor: recordedCandidates(loggedRateCandidates(clusterOf)),
        });
        const { skippedImpressions, unmatchedRewards, slatesWithCandidates } = logs;
        const report = { ...result, skippedImpressions, unmatchedRewards, slatesWithCandidates };
        if (flags.json) {
          console.log(JSON.stringify(report, null, 2));
          return;
        }
        console.log(
          `${result.slates} slates, ${result.impressions} impressions; logged reward rate ${result.loggedRewardRate.toFixed(4)}` +
            ` (${logs.skippedImpressions} impressions without recommendationId/position/propensity skipped)`,
        );
        console.log(
          `${slatesWithCandidates} of ${result.slates} slates evaluated on their logged candidate sets; ` +
            `the rest on the items logged so far (loggedRateCandidates)`,
        );
        console.log(`policy ${result.policy} at exploreWeight ${config.exploreWeight}: estimated reward per impression`);
        console.table(Object.fromEntries(Object.entries(result.estimates).map(([k, v]) => [k, { estimate: +v.toFixed(5) }])));
        console.table({ weights: result.diagnostics });
      } finally {
        await store.close();
      }
    });
}
