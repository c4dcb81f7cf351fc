import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { estimateAll } from './estimators.js';
import { readObdLogs } from './obd.js';
import { empiricalDistribution, obdRounds } from './obd-validation.js';
import { countSlotItems, fitPositionModel } from './position-model.js';

// Synthetic logs in the Open Bandit Dataset's files and format, men campaign (34 items, 3 slots), 540 rows per
// policy; made by scripts/make-fixtures.mjs, see test/fixtures/README.md. Counts below are from
// awk -F, 'NR>1{n++; c+=$5; s[$4]+=$5} END{print n, c, s[1], s[2], s[3]}' {random,bts}/men/men.csv
//   → random 540 50 (slots 11 / 27 / 12), bts 540 84.
const ROOT = fileURLToPath(new URL('../../../test/fixtures/open-bandit-small', import.meta.url));

describe('Open Bandit Dataset logs (fixture)', () => {
  it('reads the logs as the dataset documents them', () => {
    const random = readObdLogs(`${ROOT}/random/men`);
    expect(random.records).toHaveLength(540);
    expect(random.itemCount).toBe(34);
    expect(random.slateSize).toBe(3);
    expect(random.items).toHaveLength(34);
    expect(random.records.reduce((s, r) => s + r.click, 0)).toBe(50);
    expect(random.records.every((r) => Math.abs(r.propensity - 1 / 34) < 1e-12)).toBe(true);
    expect(random.records[0].affinity).toHaveLength(34);
  });

  it("estimates the BTS CTR from the random logs within 35%, where the random log's own CTR is further off", () => {
    const random = readObdLogs(`${ROOT}/random/men`);
    const bts = readObdLogs(`${ROOT}/bts/men`);
    const truth = bts.records.reduce((s, r) => s + r.click, 0) / bts.records.length;
    expect(truth).toBeCloseTo(84 / 540, 12);
    // 50/540 against 84/540: the estimators have to correct for what BTS shows, not just echo the log.
    expect(Math.abs(50 / 540 - truth) / truth).toBeGreaterThan(0.35);
    const est = estimateAll(obdRounds(random, empiricalDistribution(bts), { logistic: { l2: 1, iterations: 60, learningRate: 0.05 } }));
    for (const [name, value] of Object.entries(est)) expect(Math.abs(value - truth) / truth, name).toBeLessThan(0.35);
  });

  // The generator's items do differ (that is what BTS exploits), but 50 clicks over 34 items are too few to tell.
  it('gives the position model no item differences by empirical Bayes: 50 clicks over 34 items look Poisson', () => {
    const random = readObdLogs(`${ROOT}/random/men`);
    const model = fitPositionModel(countSlotItems(random.records, { slateSize: 3, itemCount: 34 }), { prior: { kind: 'empirical-bayes' } });
    expect(model.priorShape).toBe(Infinity);
    expect(model.slotRate[1]).toBeGreaterThan(model.slotRate[0]); // 27 centre-slot clicks vs 11 left
  });
});
