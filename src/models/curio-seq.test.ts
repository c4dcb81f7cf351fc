import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng, type EventType } from '../core/index.js';
import { createSequenceBuilder, leaveOneOut, userSequence, type SequenceDataset } from '../data/index.js';
import { decodeTensors } from '../nn/index.js';
import { curioSeqModel, usesPrefixes } from './curio-seq.js';
import { plantedSequences } from '../../test/support/planted.js';
import type { Recommender } from './recommender.js';
import { isSequentialRecommender } from './seq-model.js';
import { topK } from './top-k.js';

const ITEMS = 30;
const TINY = { dim: 16, maxLen: 8, heads: 1, epochs: 12, dropoutRate: 0.1, learningRate: 0.01 };

/** After a view of i the shopper goes to i + 1; after a cart of i, to i + 15 (mod 30). */
function behaviourPlanted(): SequenceDataset {
  const rng = createRng(4);
  const b = createSequenceBuilder();
  for (let u = 0; u < 300; u++) {
    let item = rng.int(ITEMS);
    for (let t = 0; t < 8; t++) {
      const type: EventType = rng.next() < 0.5 ? 'view' : 'cart';
      b.add(`u${u}`, `i${item}`, type, Date.UTC(2024, 0, 1) + (u * 20 + t) * 60_000);
      item = (item + (type === 'view' ? 1 : 15)) % ITEMS;
    }
  }
  return b.build();
}

/** Share of users whose top-1 after their first 7 events is the planted successor of the 7th. */
function behaviourAccuracy(model: Recommender, ds: SequenceDataset): number {
  const idOf = new Map(ds.items.map((id, k) => [id, k]));
  let hits = 0;
  for (let u = 0; u < ds.users.length; u++) {
    const state = userSequence(ds, u, 7);
    const last = Number(ds.items[state.items[6]].slice(1));
    const step = state.types[6] === 0 ? 1 : 15;
    if (topK(model.scoreAll(state), 1)[0] === idOf.get(`i${(last + step) % ITEMS}`)) hits++;
  }
  return hits / ds.users.length;
}

/** The next item is the one two events back, plus one: the last event alone says nothing about it. */
function lagPlanted(): SequenceDataset {
  const rng = createRng(6);
  const b = createSequenceBuilder();
  for (let u = 0; u < 300; u++) {
    const items = [rng.int(ITEMS), rng.int(ITEMS)];
    while (items.length < 8) items.push((items[items.length - 2] + 1) % ITEMS);
    items.forEach((item, t) => b.add(`u${u}`, `i${item}`, 'view', Date.UTC(2024, 0, 1) + (u * 20 + t) * 60_000));
  }
  return b.build();
}

/** Share of users whose top-1 after their first 7 events is the 6th event's item plus one. */
function lagAccuracy(model: Recommender, ds: SequenceDataset): number {
  const idOf = new Map(ds.items.map((id, k) => [id, k]));
  let hits = 0;
  for (let u = 0; u < ds.users.length; u++) {
    const state = userSequence(ds, u, 7);
    const back = Number(ds.items[state.items[5]].slice(1));
    if (topK(model.scoreAll(state), 1)[0] === idOf.get(`i${(back + 1) % ITEMS}`)) hits++;
  }
  return hits / ds.users.length;
}

describe('curio-seq', () => {
  it('learns a fixed-lag pattern through the token mixer alone (mixer 1: the attention branch weighs nothing)', async () => {
    const ds = lagPlanted();
    const params = { ...TINY, batchSize: 32, epochs: 15, behaviourTokens: false, gapTokens: false };
    const mixerOnly = await curioSeqModel.fit(ds, { ...params, mixer: 1 }, { seed: 1 });
    expect(lagAccuracy(mixerOnly, ds)).toBeGreaterThan(0.85);
  });

  it('uses behaviour tokens: the next item depends on whether the last event was a view or a cart', async () => {
    const ds = behaviourPlanted();
    const params = { ...TINY, batchSize: 32, epochs: 15 };
    const withTokens = await curioSeqModel.fit(ds, params, { seed: 1 });
    const without = await curioSeqModel.fit(ds, { ...params, behaviourTokens: false }, { seed: 1 });
    expect(behaviourAccuracy(withTokens, ds)).toBeGreaterThan(0.85);
    expect(behaviourAccuracy(without, ds)).toBeLessThan(0.6); // one item cannot tell the two successors apart
  });

  // Issue 5: HSTU-style layers (gated pointwise attention) and learned relative position / time biases.
  it.each([
    ['hstu (pointwise, gated)', { style: 'hstu' }],
    ['hstu + distance and time bias', { style: 'hstu', relativeBias: true, timeBias: true }],
    ['sasrec + distance and time bias', { relativeBias: true, timeBias: true }],
    ['pre-ln + pointwise weights', { style: 'pre-ln', attention: 'pointwise' }],
    ['sasrec + token mixer', { mixer: 0.5 }],
    ['pre-ln + token mixer', { style: 'pre-ln', mixer: 0.5 }],
    ['sasrec + weight averaging', { averaging: 0.95 }],
    ['positions from the oldest event', { positions: 'oldest' }],
    ['relative positions only', { positions: 'relative' }],
    ['every prefix its own window', { prefixes: true }],
  ])('learns the behaviour-dependent successor with %s', async (_name, option) => {
    const ds = behaviourPlanted();
    const model = await curioSeqModel.fit(ds, { ...TINY, batchSize: 32, epochs: 15, ...option }, { seed: 1 });
    expect(behaviourAccuracy(model, ds)).toBeGreaterThan(0.85);
  });

  it('trains the bias tables and restores an hstu model with biases from its artifact to the same scores', async () => {
    const split = leaveOneOut(plantedSequences({ users: 60 }));
    const model = await curioSeqModel.fit(
      split.train,
      { ...TINY, epochs: 2, style: 'hstu', relativeBias: true, timeBias: true },
      { seed: 3 },
    );
    const artifact = model.toArtifact();
    for (const table of ['distances', 'times']) {
      const w = artifact.arrays[`p:blocks.0.bias.${table}`] as Float32Array;
      expect(w.some((x) => x !== 0)).toBe(true); // zero at the start
    }
    const restored = curioSeqModel.restore(artifact);
    const state = userSequence(split.train, 1);
    const a = model.scoreAll(state);
    const b = restored.scoreAll(state);
    for (let j = 0; j < a.length; j++) expect(b[j]).toBeCloseTo(a[j], 5);
  });

  it('reacts to a new event at once: appending an item changes the top-10', async () => {
    const split = leaveOneOut(plantedSequences());
    const model = await curioSeqModel.fit(split.train, TINY, { seed: 2 });
    const seq = userSequence(split.train, 3);
    const before = topK(model.scoreAll(seq), 10);
    const last = seq.items[seq.items.length - 1];
    const next = {
      items: Int32Array.of(...seq.items, (last + 7) % model.nItems),
      types: Uint8Array.of(...seq.types, 0),
      timestampsMs: Float64Array.of(...seq.timestampsMs, seq.timestampsMs[seq.timestampsMs.length - 1] + 60_000),
    };
    expect(Array.from(topK(model.scoreAll(next), 10))).not.toEqual(Array.from(before));
  });

  it('exports item embeddings and item-to-item neighbours', async () => {
    const split = leaveOneOut(plantedSequences());
    const model = await curioSeqModel.fit(split.train, { ...TINY, epochs: 3 }, { seed: 2 });
    expect(isSequentialRecommender(model)).toBe(true);
    if (!isSequentialRecommender(model)) return;
    expect(model.itemEmbeddings().length).toBe(model.nItems * model.embeddingDim);
    const similar = model.similarItems(5, 4);
    expect(similar).toHaveLength(4);
    expect(similar.map((s) => s.item)).not.toContain(5);
    expect(similar[0].score).toBeGreaterThanOrEqual(similar[3].score);
    // Scores are the user vector's dot products with the embedding rows (what an ANN index searches).
    const state = userSequence(split.train, 1);
    const h = model.userVector(state);
    const emb = model.itemEmbeddings();
    const scores = model.scoreAll(state);
    for (const j of [0, 7, model.nItems - 1]) {
      const dot = h.reduce((s, x, d) => s + x * emb[j * model.embeddingDim + d], 0);
      expect(scores[j]).toBeCloseTo(dot, 4);
    }
  });

  it('restores from its artifact with the output table worked out elsewhere (derivedArrays) to the same scores', async () => {
    const split = leaveOneOut(plantedSequences());
    const model = await curioSeqModel.fit(split.train, { ...TINY, epochs: 2 }, { seed: 3 });
    if (!isSequentialRecommender(model)) throw new Error('curio-seq has embeddings');
    const state = userSequence(split.train, 2);
    const expected = model.scoreAll(state);
    const artifact = model.toArtifact();
    const derived = model.derivedArrays();
    expect(Object.keys(derived)).toEqual(['derived:outputTable']);
    // A wrong-sized table is ignored (the restore computes its own); a right one is used as it is.
    const table = derived['derived:outputTable'];
    const wrong = curioSeqModel.restore({ ...artifact, arrays: { ...artifact.arrays, 'derived:outputTable': table.subarray(1) } });
    expect(Array.from(wrong.scoreAll(state))).toEqual(Array.from(expected));
    const restored = curioSeqModel.restore({ ...artifact, arrays: { ...artifact.arrays, ...derived } });
    expect(Array.from(restored.scoreAll(state))).toEqual(Array.from(expected));
    table.fill(0);
    expect(Array.from(restored.scoreAll(state)).every((x) => x === 0)).toBe(true);
  });

  it('resumes from a checkpoint to the same weights as an uninterrupted run', async () => {
    const split = leaveOneOut(plantedSequences({ users: 120 }));
    const dir = mkdtempSync(join(tmpdir(), 'curio-seq-'));
    try {
      const params = { ...TINY, epochs: 4, dropoutRate: 0 };
      const straight = await curioSeqModel.fit(split.train, params, { seed: 5 });
      const checkpointPath = join(dir, 'ckpt');
      await curioSeqModel.fit(split.train, { ...params, epochs: 2 }, { seed: 5, checkpointPath });
      const resumed = await curioSeqModel.fit(split.train, params, { seed: 5, checkpointPath });
      const state = userSequence(split.train, 0);
      const a = straight.scoreAll(state);
      const b = resumed.scoreAll(state);
      for (let j = 0; j < a.length; j++) expect(b[j]).toBeCloseTo(a[j], 4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with averaging keeps the moving average, carried through a checkpoint: a resumed run ends where an uninterrupted one does', async () => {
    const split = leaveOneOut(plantedSequences({ users: 120 }));
    const dir = mkdtempSync(join(tmpdir(), 'curio-seq-'));
    try {
      const params = { ...TINY, epochs: 4, dropoutRate: 0, averaging: 0.9 };
      const straight = await curioSeqModel.fit(split.train, params, { seed: 5 });
      const last = await curioSeqModel.fit(split.train, { ...params, averaging: 0 }, { seed: 5 });
      const checkpointPath = join(dir, 'ckpt');
      await curioSeqModel.fit(split.train, { ...params, epochs: 2 }, { seed: 5, checkpointPath });
      const resumed = await curioSeqModel.fit(split.train, params, { seed: 5, checkpointPath });
      const state = userSequence(split.train, 0);
      const [a, b, c] = [straight, resumed, last].map((m) => m.scoreAll(state));
      for (let j = 0; j < a.length; j++) expect(b[j]).toBeCloseTo(a[j], 4);
      // The average is not the last step's weights (the same run without averaging).
      expect(Math.max(...Array.from(a, (x, j) => Math.abs(x - c[j])))).toBeGreaterThan(1e-2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('multiplies the learning rate by plateauDecay after each validation that does not improve, and a resume goes on from it', async () => {
    const split = leaveOneOut(plantedSequences({ users: 60 }));
    const dir = mkdtempSync(join(tmpdir(), 'curio-seq-'));
    try {
      const checkpointPath = join(dir, 'ckpt');
      const params = { ...TINY, epochs: 3, learningRate: 0.008, plateauDecay: 0.5 };
      const scores = [0.2, 0.1, 0.3]; // better, worse (halve), better
      let k = 0;
      const validate = () => scores[k++];
      const rateAfter = () => Number(decodeTensors(readFileSync(checkpointPath)).meta.learningRate);
      await curioSeqModel.fit(split.train, { ...params, epochs: 2 }, { seed: 5, checkpointPath, validate });
      expect(rateAfter()).toBeCloseTo(0.004, 9);
      await curioSeqModel.fit(split.train, params, { seed: 5, checkpointPath, validate });
      expect(rateAfter()).toBeCloseTo(0.004, 9); // resumed at the halved rate, and an improvement keeps it
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('restores an artifact written before the token mixer existed as a model without one, which a warm start accepts', async () => {
    const split = leaveOneOut(plantedSequences({ users: 60 }));
    const old = await curioSeqModel.fit(split.train, { ...TINY, epochs: 2, mixer: 0 }, { seed: 3 });
    const artifact = old.toArtifact();
    const { mixer: _mixer, ...paramsBefore } = artifact.params;
    const restored = curioSeqModel.restore({ ...artifact, params: paramsBefore });
    expect(restored.params.mixer).toBe(0);
    const state = userSequence(split.train, 0);
    expect(Array.from(restored.scoreAll(state))).toEqual(Array.from(old.scoreAll(state)));
    const updated = await curioSeqModel.fit(
      split.train,
      { ...restored.params, epochs: 1 },
      { seed: 3, warmStart: { model: restored, itemIds: split.train.items } },
    );
    expect(updated.params.mixer).toBe(0);
  });

  it("with prefixes 'auto', trains on prefixes for short sequences and on end-to-end windows for long ones", () => {
    const build = (events: number): SequenceDataset => {
      const b = createSequenceBuilder();
      for (let u = 0; u < 3; u++)
        for (let t = 0; t < events; t++) b.add(`u${u}`, `i${(u + t) % 40}`, 'view', Date.UTC(2024, 0, 1) + t * 60_000);
      return b.build();
    };
    expect(usesPrefixes(build(12), { prefixes: 'auto', maxLen: 50 })).toBe(true); // 6 times the tokens
    expect(usesPrefixes(build(200), { prefixes: 'auto', maxLen: 50 })).toBe(false); // about 44 times
    expect(usesPrefixes(build(200), { prefixes: true, maxLen: 50 })).toBe(true);
  });

  it('restores an artifact written before the positions option as a model with positions from the newest event', async () => {
    const split = leaveOneOut(plantedSequences({ users: 60 }));
    const old = await curioSeqModel.fit(split.train, { ...TINY, epochs: 2 }, { seed: 3 });
    const { positions: _positions, ...paramsBefore } = old.toArtifact().params;
    const restored = curioSeqModel.restore({ ...old.toArtifact(), params: paramsBefore });
    expect(restored.params.positions).toBe('newest');
    const state = userSequence(split.train, 0);
    expect(Array.from(restored.scoreAll(state))).toEqual(Array.from(old.scoreAll(state)));
  });

  it.each(['oldest', 'relative'])('with positions %s, restores from its artifact to the same scores', async (positions) => {
    const split = leaveOneOut(plantedSequences({ users: 60 }));
    const model = await curioSeqModel.fit(split.train, { ...TINY, epochs: 2, positions }, { seed: 3 });
    const restored = curioSeqModel.restore(model.toArtifact());
    expect(restored.params.positions).toBe(positions);
    for (const u of [0, 1, 2]) {
      const state = userSequence(split.train, u);
      expect(Array.from(restored.scoreAll(state))).toEqual(Array.from(model.scoreAll(state)));
    }
  });
});
