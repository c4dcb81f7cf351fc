import { describe, expect, it } from 'vitest';
import { createRng, loadConfig } from '../core/index.js';
import { createSequenceBuilder, filterEvents, userSequence, type SequenceDataset } from '../data/index.js';
import { getModelSpec, topK, type Recommender } from '../models/index.js';
import { fitForGate, type TrainedCandidate } from './candidates.js';

const ITEMS = 30;
const TINY = { dim: 16, maxLen: 8, heads: 1, epochs: 12, dropoutRate: 0.1, learningRate: 0.01, batchSize: 32 };
const T0 = Date.UTC(2024, 0, 1);
/** Users from this index on shop after the cut: they meet the item launched then. */
const LATE = 200;
const CUT = T0 + LATE * 20 * 60_000;

/** After i the shopper goes to i + 1; the later shoppers meet a new item, `new`, after which they go to i7. */
function shop(): SequenceDataset {
  const rng = createRng(9);
  const b = createSequenceBuilder();
  for (let u = 0; u < 300; u++) {
    const first = rng.int(ITEMS);
    const items = u < LATE ? Array.from({ length: 8 }, (_, t) => `i${(first + t) % ITEMS}`) : [`i${first}`, 'new', 'i7', 'i8', 'i9'];
    items.forEach((item, t) => b.add(`u${u}`, item, 'view', T0 + (u * 20 + t) * 60_000));
  }
  return b.build();
}

/** Share of the later shoppers whose top item right after `new` is i7. */
function followsNew(model: Recommender, ds: SequenceDataset): number {
  const i7 = ds.items.indexOf('i7');
  let hits = 0;
  for (let u = LATE; u < ds.users.length; u++) if (topK(model.scoreAll(userSequence(ds, u, 2)), 1)[0] === i7) hits++;
  return hits / (ds.users.length - LATE);
}

describe('fitForGate', () => {
  it('trains an epoch model on everything before the holdout, so the gate sees what the validation slice taught', async () => {
    const ds = shop();
    const config = loadConfig({ env: {} });
    const trainSlice = filterEvents(ds, (u, pos) => ds.timestampsMs[ds.offsets[u] + pos] < CUT, { keepEmptyUsers: true });
    const chosen: TrainedCandidate = {
      spec: { model: 'curio-seq', params: TINY },
      model: await getModelSpec('curio-seq').fit(trainSlice, TINY, { seed: 1 }),
      validation: 0,
      epochs: TINY.epochs,
      seconds: 0,
    };
    const steps: string[] = [];
    const gateModel = await fitForGate(chosen, ds, {
      training: config.training,
      eventWeights: config.events.weights,
      progress: (_, step) => steps.push(step),
    });
    // The training-slice fit never saw the new item; the gate's fit did, like the version that would serve.
    expect(followsNew(chosen.model, ds)).toBeLessThan(0.2);
    expect(followsNew(gateModel, ds)).toBeGreaterThan(0.8);
    expect(steps.at(-1)).toMatch(/curio-seq before the holdout: epoch 12\/12/);
  });
});
