import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../store/index.js';
import { GREEDY_VALUE, logOpeTraffic, T0 } from '../../../test/support/ope-logs.js';
import { parseOpeConfig } from './ope-config.js';
import { offPolicyReport } from './report.js';

const greedy = parseOpeConfig({ policy: 'greedy', exploreWeight: 0 });

describe('the off-policy report', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
  });
  afterEach(async () => {
    await store.close();
  });

  it("estimates greedy's value from ε-greedy slates with intervals that hold it, SLOPE's pick and no warnings", async () => {
    await logOpeTraffic(store, { slates: 4000, users: 200 });
    const report = await offPolicyReport(store, greedy);
    expect(report).toMatchObject({ policy: 'greedy', exploreWeight: 0, slates: 4000, impressions: 8000, warnings: [] });
    expect(report.interval).toEqual({ level: 0.95, method: 'normal', unit: 'user', clusters: 200 });
    expect(report.logs).toEqual({ skippedImpressions: 0, pinnedImpressions: 0, unmatchedRewards: 0, slatesWithCandidates: 4000 });
    // The logger explores towards better items: its own rate is far above greedy's.
    expect(report.loggedRewardRate).toBeGreaterThan(GREEDY_VALUE + 0.02);
    const chosen = report.chosen!;
    expect(Object.keys(report.selection.candidates)).toContain(chosen.estimator);
    expect(chosen.lower).toBeLessThan(GREEDY_VALUE);
    expect(chosen.upper).toBeGreaterThan(GREEDY_VALUE);
    expect(chosen.upper - chosen.lower).toBeLessThan(0.03);
    for (const [name, e] of Object.entries(report.estimates)) {
      expect(e.lower, name).toBeLessThan(e.estimate);
      expect(e.upper, name).toBeGreaterThan(e.estimate);
      expect(e.stdError, name).toBeCloseTo((e.upper - e.lower) / (2 * 1.959964), 6);
    }
    expect(Object.keys(report.estimates).sort()).toEqual(['dm', 'dr', 'dros', 'ips', 'sndr', 'snips', 'switch-dr']);
    expect(report.diagnostics.effectiveSampleShare).toBeGreaterThan(0.2);
    expect(report.diagnostics.meanWeight).toBeCloseTo(1, 1);
    // Plain JSON: nothing is lost on the wire.
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('widens the interval with users as the unit, offers a cluster bootstrap, and reads only the time range asked for', async () => {
    await logOpeTraffic(store, { slates: 3000, users: 60 });
    const byUser = await offPolicyReport(store, greedy);
    const bySlate = await offPolicyReport(store, { ...greedy, interval: { method: 'normal', unit: 'slate', resamples: 200 } });
    expect(bySlate.interval.clusters).toBe(3000);
    const width = (r: typeof byUser) => r.estimates.ips.upper - r.estimates.ips.lower;
    expect(width(byUser)).toBeGreaterThan(1.1 * width(bySlate));
    const boot = await offPolicyReport(store, {
      ...greedy,
      estimators: ['snips'],
      interval: { method: 'bootstrap', unit: 'user', resamples: 100 },
    });
    expect(Object.keys(boot.estimates)).toEqual(['snips']);
    expect(boot.estimates.snips.estimate).toBeCloseTo(byUser.estimates.snips.estimate, 12);
    expect(boot.estimates.snips.lower).not.toBe(byUser.estimates.snips.lower);
    expect(boot.estimates.snips.upper - boot.estimates.snips.lower).toBeGreaterThan(
      0.5 * (byUser.estimates.snips.upper - byUser.estimates.snips.lower),
    );
    const firstHalf = await offPolicyReport(store, greedy, { from: T0, to: T0 + 1500 * 1000 });
    expect(firstHalf.slates).toBe(1500);
  });

  it('reports an empty range with a warning instead of numbers, and refuses an unknown policy', async () => {
    const empty = await offPolicyReport(store, greedy);
    expect(empty).toMatchObject({
      slates: 0,
      impressions: 0,
      chosen: null,
      estimates: {},
      warnings: ['no logged impressions to evaluate on'],
    });
    await expect(offPolicyReport(store, { ...greedy, policy: 'no-such-policy' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('warns when the policy leans on actions the logger rarely showed', async () => {
    // A logger that seldom explores: greedy's (a, b) are nearly always shown, so ε-greedy at weight 1 with ε 0.9 leans on rare ones.
    await logOpeTraffic(store, { slates: 1500, users: 100, epsilonMax: 0.05 });
    const report = await offPolicyReport(store, { ...parseOpeConfig({ policy: 'epsilon-greedy', params: { epsilonMax: 0.9 } }) });
    expect(report.warnings.join('\n')).toMatch(/ESS is .* of impressions/);
  });
});
