import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { backward, noGrad } from './autograd.js';
import { tidy } from './memory.js';
import { gatherDot } from './ops-embedding.js';
import { add, scale } from './ops-elementwise.js';
import { bceWithLogits, sampledSoftmaxLoss } from './ops-loss.js';
import { matmul } from './ops-matmul.js';
import { reshape } from './ops-shape.js';
import { Adam } from './optim.js';
import { SasrecEncoder } from './transformer.js';

const ITEMS = 24;
const LEN = 8;
const BATCH = 16;

/** Planted pattern: each next item is the cyclic successor of the current one; some rows left-padded. */
function batch(rng: ReturnType<typeof createRng>) {
  const seq = new Int32Array(BATCH * LEN);
  const pos = new Int32Array(BATCH * LEN);
  const neg = new Int32Array(BATCH * LEN);
  for (let b = 0; b < BATCH; b++) {
    const pad = rng.int(3);
    let item = 1 + rng.int(ITEMS);
    for (let t = pad; t < LEN; t++) {
      const i = b * LEN + t;
      seq[i] = item;
      item = (item % ITEMS) + 1;
      pos[i] = item;
      neg[i] = 1 + rng.int(ITEMS);
    }
  }
  return { seq, pos, neg };
}

/** Fraction of non-padded positions whose top-scored item is the true next one. */
function accuracy(enc: SasrecEncoder, seed: number): number {
  const { seq, pos } = batch(createRng(seed));
  return noGrad(() => {
    const f = enc.eval().forward(seq);
    const scores = matmul(reshape(f, [BATCH * LEN, 16]), enc.items.weight, { transB: true });
    let hit = 0;
    let total = 0;
    for (let i = 0; i < seq.length; i++) {
      if (seq[i] === 0) continue;
      let best = 1;
      for (let j = 2; j <= ITEMS; j++) if (scores.data[i * (ITEMS + 1) + j] > scores.data[i * (ITEMS + 1) + best]) best = j;
      total++;
      if (best === pos[i]) hit++;
    }
    enc.train();
    return hit / total;
  });
}

function train(lossOf: (enc: SasrecEncoder, b: ReturnType<typeof batch>) => ReturnType<typeof add>) {
  const enc = new SasrecEncoder({ rng: createRng(1), numItems: ITEMS, maxLen: LEN, dim: 16, blocks: 1, heads: 2, dropoutRate: 0.1 });
  const opt = new Adam(enc.parameters(), { learningRate: 5e-3 });
  const rng = createRng(2);
  const losses: number[] = [];
  for (let step = 0; step < 120; step++) {
    losses.push(
      tidy(() => {
        const loss = lossOf(enc, batch(rng));
        backward(loss);
        opt.step();
        return loss.item();
      }),
    );
  }
  return { enc, first: losses.slice(0, 10).reduce((a, b) => a + b) / 10, last: losses.slice(-10).reduce((a, b) => a + b) / 10 };
}

describe('a tiny SASRec learns a planted next-item pattern', () => {
  it('with BCE and one sampled negative', () => {
    const { enc, first, last } = train((enc, b) => {
      const f = enc.forward(b.seq);
      const w = Float32Array.from(b.seq, (s) => (s > 0 ? 1 : 0));
      const n = w.reduce((s, v) => s + v, 0);
      return scale(
        add(
          bceWithLogits(gatherDot(f, enc.items.weight, b.pos), 1, { weights: w, reduction: 'sum' }),
          bceWithLogits(gatherDot(f, enc.items.weight, b.neg), 0, { weights: w, reduction: 'sum' }),
        ),
        1 / n,
      );
    });
    expect(last).toBeLessThan(first * 0.5);
    const acc = accuracy(enc, 99);
    expect(acc).toBeGreaterThan(0.6); // random guessing: 1/24
  });

  it('with sampled softmax and log-Q correction', () => {
    const logQ = new Float32Array(ITEMS + 1).fill(Math.log(1 / ITEMS));
    const { enc, first, last } = train((enc, b) => {
      const f = reshape(enc.forward(b.seq), [BATCH * LEN, 16]);
      const negatives = Int32Array.from({ length: 8 }, (_, i) => 1 + ((b.neg[i] + i) % ITEMS));
      return sampledSoftmaxLoss({
        queries: f,
        table: enc.items.weight,
        positives: Int32Array.from(b.pos),
        negatives,
        logQ,
        ignoreIndex: 0,
      });
    });
    expect(last).toBeLessThan(first * 0.5);
    const acc = accuracy(enc, 98);
    expect(acc).toBeGreaterThan(0.6);
  });
});
