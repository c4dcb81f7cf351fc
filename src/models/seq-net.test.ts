import { describe, expect, it } from 'vitest';
import { noGrad, tidy } from '../nn/index.js';
import { stateBatch, type SeqBatch } from './seq-data.js';
import { CurioNet, type SeqPositions } from './seq-net.js';

/** Item indices and minutes between events of one shopper. */
const ITEMS = [2, 6, 0, 8, 3, 1];
const MINUTES = [0, 1, 30, 3, 200, 5000];

/** The first `n` events as a serving-time batch of length `len`, padded on the side the net reads. */
function batch(n: number, len: number, fromOldest: boolean): SeqBatch {
  let t = Date.UTC(2024, 0, 1);
  const state = {
    items: Int32Array.from(ITEMS.slice(0, n)),
    types: Uint8Array.from({ length: n }, (_, k) => k % 3),
    timestampsMs: Float64Array.from(MINUTES.slice(0, n), (m) => (t += m * 60_000)),
  };
  return stateBatch(state, len, 12, fromOldest);
}

function net(positions: SeqPositions): CurioNet {
  const n = new CurioNet({
    seed: 3,
    nItems: 12,
    maxLen: 8,
    dim: 8,
    blocks: 2,
    heads: 2,
    dropoutRate: 0.2,
    style: 'sasrec',
    features: null,
    behaviourTokens: true,
    gapTokens: true,
    mixer: 0.5,
    positions,
  });
  // The mixer and the distance biases start neutral; drawn weights make a misaligned reading show.
  for (const [name, p] of n.namedParameters()) {
    if (!/mixer|bias/.test(name)) continue;
    for (let k = 0; k < p.size; k++) p.data[k] += Math.sin(k * 1.7) * 0.3;
  }
  n.eval();
  return n;
}

function hidden(n: CurioNet, b: SeqBatch): Float32Array {
  return tidy(() => noGrad(() => n.forward(b).data.slice()));
}

describe('CurioNet anchor', () => {
  it('from the oldest: each position of a window is computed exactly as serving computes that prefix', () => {
    const n = net('oldest');
    const whole = hidden(n, batch(6, 8, true));
    for (let j = 0; j < 6; j++) {
      const prefix = hidden(n, batch(j + 1, j + 1, true));
      const last = prefix.subarray(j * 8, (j + 1) * 8);
      for (let d = 0; d < 8; d++) expect(whole[j * 8 + d]).toBeCloseTo(last[d], 5);
    }
  });

  it('relative: has no position table, and its mixers filter per lag', () => {
    const n = net('relative');
    expect(n.positions).toBeNull();
    expect(
      n
        .namedParameters()
        .filter(([name]) => /mixer/.test(name))
        .map(([, p]) => p.shape),
    ).toEqual([[8], [8]]);
  });

  it('newest: inner positions of a window are not what serving computes for that prefix', () => {
    const n = net('newest');
    const whole = hidden(n, batch(6, 8, false));
    const j = 3; // the window's fourth event, at column 2 + 3
    const prefix = hidden(n, batch(j + 1, j + 1, false)).subarray(j * 8, (j + 1) * 8);
    const row = whole.subarray((2 + j) * 8, (3 + j) * 8);
    expect(Math.max(...Array.from(row, (v, d) => Math.abs(v - prefix[d])))).toBeGreaterThan(1e-3);
  });

  it('refuses a batch padded on the other side', () => {
    expect(() => hidden(net('oldest'), batch(3, 4, false))).toThrow(/right-padded/);
    expect(() => hidden(net('relative'), batch(3, 4, false))).toThrow(/right-padded/);
    expect(() => hidden(net('newest'), batch(3, 4, true))).toThrow(/left-padded/);
  });
});
