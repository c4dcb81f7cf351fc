/**
 * Do the off-policy report's 95% intervals hold the truth 95% of the time? Simulated logs of a shop where the
 * evaluated policy's value is known exactly: an ε-greedy logger over 20 items in 3-slot slates, shoppers
 * whose taste scales every click of theirs (so one shopper's impressions are correlated), and a candidate
 * policy per scenario: less exploration than the logger, more exploration than a cautious logger (weights up
 * to 5), and — a stress case outside what any estimator can do — a new ranking that moves the logger's greedy
 * items to slots where ε-greedy never shows them (mass off the logger's support; fewer logs). Each log goes
 * through the report's own path (`policyRounds` → `reportOnRounds`: reward model, intervals with users as the
 * unit, SLOPE); coverage and mean width are counted per estimator and for SLOPE's pick, with two ablations
 * of the pick: its interval with impressions as the unit (clustering ignored) and its cluster bootstrap.
 *
 *   npm run bench:ope-coverage [-- --logs 500 --seed 1]  → bench/results/ope-coverage.json
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRng, type Rng } from '../src/core/index.js';
import { createPolicy, type Candidate, type Policy } from '../src/explore/index.js';
import {
  clusterIds,
  ESTIMATORS,
  estimateWithInterval,
  parseOpeConfig,
  policyRounds,
  reportOnRounds,
  SLOPE_CANDIDATES,
  type IntervalEstimate,
  type LoggedSlate,
} from '../src/eval/index.js';
import { mergeRow } from './results-file.js';

const OUT = 'bench/results/ope-coverage.json';
const ITEMS = 20;
const SLOTS = 3;
/**
 * Examination by slot: a third of the items (i % 3 = 0, say with a large picture) hold attention down the
 * slate, the rest fade. The reward model's logit is additive in item and slot, so it cannot express this:
 * DM is biased for a policy that moves items between slots, and SLOPE has to notice.
 */
const EXAMINE = { steady: [1, 0.95, 0.9], fading: [1, 0.6, 0.35] };
const examine = (item: number, slot: number): number => (item % 3 === 0 ? EXAMINE.steady : EXAMINE.fading)[slot];
const USERS = 200;
const SLATES = 2000;
/** Shopper taste: every click probability of theirs is scaled by one of these (mean 1). */
const TASTES = [0, 0.5, 2.5];
const BOOTSTRAP_RESAMPLES = 200;

/** Item appeals and the two models' scores: fixed by the world seed, the same for every log. */
function world(seed: number) {
  const rng = createRng(seed);
  const appeal = Array.from({ length: ITEMS }, () => Math.min(0.3, 0.06 * Math.exp(0.6 * rng.normal())));
  const score = (noise: number) => appeal.map((a) => Math.log(a) + noise * rng.normal());
  const candidates = (scores: number[]): Candidate[] => scores.map((s, i) => ({ itemId: `i${i}`, score: s, cluster: `c${i % 4}` }));
  return { appeal, logger: candidates(score(0.8)), better: candidates(score(0.2)) };
}
type World = ReturnType<typeof world>;

interface Scenario {
  description: string;
  /** The ε-greedy logger's ε. */
  loggerEpsilon: number;
  /** Share of `logs` this scenario runs (the stress case runs fewer). */
  logShare: number;
  /** Counted in the headline coverage: the logger's support covers the policy. */
  supported: boolean;
  policy: { policy: string; params: Record<string, unknown>; exploreWeight: number };
  /** The candidates (scores) the evaluated policy ranks. */
  candidates: (w: World) => Candidate[];
}

const SCENARIOS: Record<string, Scenario> = {
  'less-exploration': {
    description: "ε-greedy at ε 0.1 over the logger's own scores; the logger explores at ε 0.5",
    loggerEpsilon: 0.5,
    logShare: 1,
    supported: true,
    policy: { policy: 'epsilon-greedy', params: { epsilonMax: 0.1 }, exploreWeight: 1 },
    candidates: (w) => w.logger,
  },
  'more-exploration': {
    description: "ε-greedy at ε 0.5 over the logger's own scores; the logger explores at ε 0.1 (tail weights 5)",
    loggerEpsilon: 0.1,
    logShare: 1,
    supported: true,
    policy: { policy: 'epsilon-greedy', params: { epsilonMax: 0.5 }, exploreWeight: 1 },
    candidates: (w) => w.logger,
  },
  'new-ranking': {
    description:
      "stress: greedy over a better model's scores, which puts the logger's greedy items in other slots, where ε-greedy never shows them",
    loggerEpsilon: 0.5,
    logShare: 0.2,
    supported: false,
    policy: { policy: 'greedy', params: {}, exploreWeight: 0 },
    candidates: (w) => w.better,
  },
};

/** Click probability of an average shopper. */
const clickRate = (w: World, itemId: string, slot: number): number => {
  const item = Number(itemId.slice(1));
  return w.appeal[item] * examine(item, slot);
};

/** One log: SLATES slates of the ε-greedy logger, users in turn, clicks ~ taste · appeal · examination. */
function simulateLog(w: World, logger: Policy, rng: Rng): LoggedSlate[] {
  const taste = Array.from({ length: USERS }, () => TASTES[rng.int(TASTES.length)]);
  return Array.from({ length: SLATES }, (_, s) => {
    const user = s % USERS;
    const slate = logger.choose(w.logger, { userId: `u${user}`, k: SLOTS, exploreWeight: 1, rng });
    return {
      recommendationId: `r${s}`,
      userId: `u${user}`,
      timestamp: s,
      policy: slate.policy,
      candidates: w.logger,
      impressions: slate.slots.map((slot) => ({
        itemId: slot.itemId,
        position: slot.position,
        propensity: slot.propensity,
        reward: rng.next() < taste[user] * clickRate(w, slot.itemId, slot.position) ? 1 : 0,
      })),
    };
  });
}

/** The evaluated policy's true reward per impression: Σ_slot Σ_item π(item | slot) · click rate / slots. */
function trueValue(w: World, policy: Policy, candidates: Candidate[], exploreWeight: number): number {
  const dist = policy.distribution(candidates, { userId: 'any', k: SLOTS, exploreWeight, rng: createRng(1) });
  let value = 0;
  dist.forEach((slot, p) => slot.forEach((prob, itemId) => (value += prob * clickRate(w, itemId, p))));
  return value / SLOTS;
}

/** Coverage of the truth and mean width over the logs, with the binomial standard error of the coverage. */
export interface CoverageFigure {
  coverage: number;
  coverageStdError: number;
  meanWidth: number;
  /** Mean estimate − truth. */
  meanBias: number;
  logs: number;
}

class Tally {
  private hits = 0;
  private width = 0;
  private bias = 0;
  private n = 0;
  add(e: IntervalEstimate, truth: number): void {
    this.n++;
    if (e.lower <= truth && truth <= e.upper) this.hits++;
    this.width += e.upper - e.lower;
    this.bias += e.estimate - truth;
  }
  figure(): CoverageFigure {
    const coverage = this.hits / Math.max(1, this.n);
    return {
      coverage,
      coverageStdError: Math.sqrt((coverage * (1 - coverage)) / Math.max(1, this.n)),
      meanWidth: this.width / Math.max(1, this.n),
      meanBias: this.bias / Math.max(1, this.n),
      logs: this.n,
    };
  }
}

/** Figures over the union of their logs. */
function pooled(figures: CoverageFigure[]): CoverageFigure {
  const logs = figures.reduce((n, f) => n + f.logs, 0);
  const mean = (key: 'coverage' | 'meanWidth' | 'meanBias') => figures.reduce((s, f) => s + f[key] * f.logs, 0) / Math.max(1, logs);
  const coverage = mean('coverage');
  return {
    coverage,
    coverageStdError: Math.sqrt((coverage * (1 - coverage)) / Math.max(1, logs)),
    meanWidth: mean('meanWidth'),
    meanBias: mean('meanBias'),
    logs,
  };
}

export interface ScenarioCoverage {
  description: string;
  loggerEpsilon: number;
  /** Whether it counts in the headline (`supportedChosen`). */
  supported: boolean;
  truth: number;
  /** SLOPE's pick with its reported interval (users as the unit). */
  chosen: CoverageFigure;
  /** How often SLOPE picked each candidate. */
  chosenCounts: Record<string, number>;
  /** The pick's interval with impressions as the unit: what ignoring the clustering would report. */
  chosenPerImpression: CoverageFigure;
  /** The pick's cluster bootstrap interval (users resampled, 200 resamples). */
  chosenBootstrap: CoverageFigure;
  estimators: Record<string, CoverageFigure>;
  /** Mean over logs of the report's diagnostics. */
  meanEffectiveSampleShare: number;
  meanLargestWeightShare: number;
  logsWithWarnings: number;
}

export interface OpeCoverageResult {
  logs: number;
  seed: number;
  setup: {
    items: number;
    slots: number;
    users: number;
    slatesPerLog: number;
    tastes: number[];
    examine: { steady: number[]; fading: number[] };
  };
  /** SLOPE's pick over the logs of every supported scenario: the headline figure. */
  supportedChosen: CoverageFigure;
  scenarios: Record<string, ScenarioCoverage>;
  seconds: number;
}

/** Runs `logs` simulated logs per scenario; `progress` is called after each log. */
export async function opeCoverage(options: {
  logs: number;
  seed: number;
  progress?: (done: number, total: number) => void;
}): Promise<OpeCoverageResult> {
  const started = performance.now();
  const w = world(options.seed);
  const logsOf = (s: Scenario) => Math.max(1, Math.round(options.logs * s.logShare));
  const total = Object.values(SCENARIOS).reduce((n, s) => n + logsOf(s), 0);
  let done = 0;
  const scenarios: Record<string, ScenarioCoverage> = {};
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    const config = parseOpeConfig({ ...scenario.policy, seed: options.seed });
    const policy = createPolicy(config.policy, config.params);
    const candidates = scenario.candidates(w);
    const logger = createPolicy('epsilon-greedy', { epsilonMax: scenario.loggerEpsilon });
    const logs = logsOf(scenario);
    const truth = trueValue(w, policy, candidates, config.exploreWeight);
    const rng = createRng(options.seed * 1000 + Object.keys(scenarios).length);
    const [chosen, perImpression, bootstrap] = [new Tally(), new Tally(), new Tally()];
    const estimators = Object.fromEntries([...Object.keys(ESTIMATORS), ...SLOPE_CANDIDATES].map((n) => [n, new Tally()]));
    const chosenCounts: Record<string, number> = {};
    let [ess, largest, warned] = [0, 0, 0];
    for (let log = 0; log < logs; log++) {
      const slates = simulateLog(w, logger, rng);
      const built = policyRounds(slates, {
        policy,
        exploreWeight: config.exploreWeight,
        seed: config.seed,
        candidatesFor: () => candidates,
      });
      const report = reportOnRounds(slates, built, config, policy.id);
      for (const [n, e] of Object.entries({ ...report.estimates, ...report.selection.candidates })) estimators[n].add(e, truth);
      if (report.chosen) {
        const pick = report.chosen.estimator;
        chosen.add(report.chosen, truth);
        chosenCounts[pick] = (chosenCounts[pick] ?? 0) + 1;
        const { rounds, trace } = built;
        perImpression.add(estimateWithInterval(pick, rounds, { method: 'normal', clusters: null, trace }), truth);
        const users = clusterIds(slates, built.slateOf, 'user');
        const boot = { method: 'bootstrap' as const, clusters: users, trace, resamples: BOOTSTRAP_RESAMPLES, rng };
        bootstrap.add(estimateWithInterval(pick, rounds, boot), truth);
      }
      ess += report.diagnostics.effectiveSampleShare / logs;
      largest += report.diagnostics.largestWeightShare / logs;
      if (report.warnings.length > 0) warned++;
      options.progress?.(++done, total);
    }
    scenarios[name] = {
      description: scenario.description,
      loggerEpsilon: scenario.loggerEpsilon,
      supported: scenario.supported,
      truth,
      chosen: chosen.figure(),
      chosenCounts,
      chosenPerImpression: perImpression.figure(),
      chosenBootstrap: bootstrap.figure(),
      estimators: Object.fromEntries(Object.entries(estimators).map(([n, t]) => [n, t.figure()])),
      meanEffectiveSampleShare: ess,
      meanLargestWeightShare: largest,
      logsWithWarnings: warned,
    };
  }
  return {
    logs: options.logs,
    seed: options.seed,
    setup: {
      items: ITEMS,
      slots: SLOTS,
      users: USERS,
      slatesPerLog: SLATES,
      tastes: TASTES,
      examine: EXAMINE,
    },
    supportedChosen: pooled(
      Object.values(scenarios)
        .filter((s) => s.supported)
        .map((s) => s.chosen),
    ),
    scenarios,
    seconds: (performance.now() - started) / 1000,
  };
}

/** A line per 5% of the logs off a terminal; one line redrawn on one. */
function progressLine(): (done: number, total: number) => void {
  const tty = process.stdout.isTTY;
  const started = performance.now();
  const step = (total: number) => Math.max(1, Math.round(total / 20));
  return (done, total) => {
    if (!tty && done % step(total) !== 0 && done !== total) return;
    const seconds = (performance.now() - started) / 1000;
    const line = `${done}/${total} logs  ${seconds.toFixed(0)} s  ETA ${((seconds / done) * (total - done)).toFixed(0)} s`;
    process.stdout.write(tty ? `\r${line}\x1b[K${done === total ? '\n' : ''}` : `${line}\n`);
  };
}

const pct = (f: CoverageFigure): string => `${(100 * f.coverage).toFixed(1)}% ± ${(100 * f.coverageStdError).toFixed(1)}`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { logs: { type: 'string', default: '500' }, seed: { type: 'string', default: '1' } } });
  const result = await opeCoverage({ logs: Number(values.logs), seed: Number(values.seed), progress: progressLine() });
  for (const [name, s] of Object.entries(result.scenarios)) {
    console.log(`\n${name}: ${s.description}; truth ${s.truth.toFixed(5)}, ${s.chosen.logs} logs`);
    const rows: Record<string, Record<string, string>> = {
      'SLOPE pick (users as unit)': {
        coverage: pct(s.chosen),
        'mean width': s.chosen.meanWidth.toFixed(5),
        'mean bias': s.chosen.meanBias.toFixed(5),
      },
      'pick, impressions as unit': {
        coverage: pct(s.chosenPerImpression),
        'mean width': s.chosenPerImpression.meanWidth.toFixed(5),
        'mean bias': s.chosenPerImpression.meanBias.toFixed(5),
      },
      'pick, cluster bootstrap': {
        coverage: pct(s.chosenBootstrap),
        'mean width': s.chosenBootstrap.meanWidth.toFixed(5),
        'mean bias': s.chosenBootstrap.meanBias.toFixed(5),
      },
    };
    for (const [n, f] of Object.entries(s.estimators))
      rows[n] = { coverage: pct(f), 'mean width': f.meanWidth.toFixed(5), 'mean bias': f.meanBias.toFixed(5) };
    console.table(rows);
    console.log(
      `SLOPE picked: ${JSON.stringify(s.chosenCounts)}; mean ESS share ${s.meanEffectiveSampleShare.toFixed(3)}; logs with warnings ${s.logsWithWarnings}`,
    );
  }
  const head = result.supportedChosen;
  console.log(
    `\nSLOPE's pick over the ${head.logs} logs of the supported scenarios: coverage ${pct(head)} (target 93–97%), mean width ${head.meanWidth.toFixed(5)}; ${result.seconds.toFixed(0)} s`,
  );
  mergeRow(OUT, 'runs', `logs=${result.logs} seed=${result.seed}`, { ...result }, 'simulated ε-greedy shop logs (bench/ope-coverage.ts)');
  console.log(`wrote ${OUT}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
