import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { estimateAll } from './estimators.js';
import { readObdLogs } from './obd.js';
import { empiricalDistribution, obdRounds } from './obd-validation.js';
import { countSlotItems, fitPositionModel } from './position-model.js';

const ROOT = '/work/shared/datasets/open-bandit-small';

describe.runIf(existsSync(ROOT))('Open Bandit Dataset sample', () => {
  it('reads the logs as documented in SOURCE.md', () => {
    const random = readObdLogs(`${ROOT}/random/men`);
    expect(random.records).toHaveLength(10_000);
    expect(random.itemCount).toBe(34);
    expect(random.slateSize).toBe(3);
    expect(random.items).toHaveLength(34);
    expect(random.records.reduce((s, r) => s + r.click, 0)).toBe(46);
    expect(random.records.every((r) => Math.abs(r.propensity - 1 / 34) < 1e-12)).toBe(true);
    expect(random.records[0].affinity).toHaveLength(34);
  });

  it('estimates the BTS CTR from the random logs within 35% on the full sample', () => {
    const random = readObdLogs(`${ROOT}/random/men`);
    const bts = readObdLogs(`${ROOT}/bts/men`);
    const truth = bts.records.reduce((s, r) => s + r.click, 0) / bts.records.length;
    const est = estimateAll(obdRounds(random, empiricalDistribution(bts), { logistic: { l2: 1, iterations: 60, learningRate: 0.05 } }));
    for (const [name, value] of Object.entries(est)) expect(Math.abs(value - truth) / truth, name).toBeLessThan(0.35);
  });

  it('gives the position model no item differences by empirical Bayes: 46 clicks over 34 items look Poisson', () => {
    const random = readObdLogs(`${ROOT}/random/men`);
    const model = fitPositionModel(countSlotItems(random.records, { slateSize: 3, itemCount: 34 }), { prior: { kind: 'empirical-bayes' } });
    expect(model.priorShape).toBe(Infinity);
    expect(model.slotRate[1]).toBeGreaterThan(model.slotRate[0]); // 22 centre-slot clicks vs 10 left
  });
});
