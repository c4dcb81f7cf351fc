import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CurioError } from '../../core/index.js';
import { offPolicyReport, parseOpeConfig, type IntervalEstimate, type OffPolicyReport } from '../../eval/index.js';
import { openStore } from '../../store/index.js';

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
      'estimate how a candidate explore/exploit policy would have done on logged impressions, with 95% intervals, an estimator chosen by SLOPE, weight diagnostics and overlap warnings',
    )
    .requiredOption('--logs <url>', 'store holding impression/click/purchase events, e.g. sqlite:./curio.db')
    .requiredOption(
      '--policy <file>',
      'JSON: {"policy": "thompson", "params": {}, "state"?, "exploreWeight": 1, "seed": 1, "learn": false, "interval"?: {"method": "normal" | "bootstrap", "unit": "user" | "slate"}}',
    )
    .option('--from <iso>', 'only events at or after this time')
    .option('--to <iso>', 'only events before this time')
    .option('--json', 'print JSON')
    .action(async (flags: OpeFlags) => {
      const config = parseOpeConfig(readJson(flags.policy));
      const range = { from: parseTime(flags.from, '--from'), to: parseTime(flags.to, '--to') };
      const store = await openStore(flags.logs);
      try {
        const report = await offPolicyReport(store, config, range);
        if (flags.json) console.log(JSON.stringify(report, null, 2));
        else print(report);
      } finally {
        await store.close();
      }
    });
}

const row = (e: IntervalEstimate) => ({
  estimate: +e.estimate.toFixed(5),
  '95% lower': +e.lower.toFixed(5),
  '95% upper': +e.upper.toFixed(5),
  'std error': +e.stdError.toFixed(5),
});

/** The report for a terminal: the chosen estimate first, then every estimator, the weights and the warnings. */
function print(report: OffPolicyReport): void {
  const logs = report.logs!;
  console.log(
    `${report.slates} slates, ${report.impressions} impressions; logged reward rate ${report.loggedRewardRate.toFixed(4)}` +
      ` (${logs.skippedImpressions} impressions without recommendationId/position/propensity skipped, ${logs.pinnedImpressions} pinned left out)`,
  );
  console.log(
    `${logs.slatesWithCandidates} of ${report.slates} slates evaluated on their logged candidate sets; ` +
      `the rest on the items logged so far (loggedRateCandidates)`,
  );
  const { method, unit, clusters } = report.interval;
  console.log(
    `policy ${report.policy} at exploreWeight ${report.exploreWeight}: estimated reward per impression, 95% ${method} intervals with ${unit}s as the unit (${clusters} ${unit}s)`,
  );
  const c = report.chosen;
  if (c) console.log(`chosen by SLOPE: ${c.estimator} ${c.estimate.toFixed(5)} [${c.lower.toFixed(5)}, ${c.upper.toFixed(5)}]`);
  else console.log('no estimate: no estimator has a finite interval on these logs');
  console.table(Object.fromEntries(Object.entries(report.estimates).map(([k, e]) => [k, row(e)])));
  console.log(`SLOPE walked, widest first: ${report.selection.order.join(' → ')}`);
  console.table({ weights: report.diagnostics });
  for (const w of report.warnings) console.log(`warning: ${w}`);
}
