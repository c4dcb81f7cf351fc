import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/index.js';
import { bootstrapCounts } from './bootstrap.js';
import { simulateSlotLog } from './noise-floor.js';
import { estimateVariants, POSITION_MODEL_VARIANTS, SLOT_IPS_VARIANT } from './round-variants.js';

const CTR = [
  [0.02, 0.05, 0.08, 0.03],
  [0.01, 0.03, 0.04, 0.02],
];
const UNIFORM = [
  [0.25, 0.25, 0.25, 0.25],
  [0.25, 0.25, 0.25, 0.25],
];
const EVAL = [
  [0.1, 0.2, 0.6, 0.1],
  [0.4, 0.1, 0.1, 0.4],
];

describe('round variants', () => {
  const logs = simulateSlotLog({ ctr: CTR, dist: UNIFORM, slotShares: [0.5, 0.5], rows: 4000, rng: createRng(9) });
  const variants = [SLOT_IPS_VARIANT, ...POSITION_MODEL_VARIANTS];

  it('prefix their estimators: pbm-eb/dr, pooled/ips, and plain ips for the per-slot variant', () => {
    const keys = Object.keys(estimateVariants(logs, EVAL, variants));
    expect(keys).toContain('ips');
    expect(keys).toContain('pbm-eb/dr');
    expect(keys).toContain('pbm-k1/dros');
    expect(keys).toContain('pooled/snips');
  });

  it('give the same estimates on grouped rows as on every row (reference path), full sample and resampled', () => {
    const reference = variants.map((v) => ({ ...v, contextFree: false }));
    const counts = bootstrapCounts(logs.records.length, createRng(4));
    for (const c of [undefined, counts]) {
      const fast = estimateVariants(logs, EVAL, variants, c);
      const plain = estimateVariants(logs, EVAL, reference, c);
      for (const [name, value] of Object.entries(plain)) expect(fast[name], name).toBeCloseTo(value, 10);
    }
  });
});
