import { describe, expect, it } from 'vitest';
import { leaveOneOut, userSequence } from '../data/index.js';
import { plantedSequences } from '../../test/support/planted.js';
import { decodeArtifact, encodeArtifact } from './artifact.js';
import { blendParts } from './blend.js';
import type { Recommender } from './recommender.js';
import { getModelSpec, MODELS, restoreModel } from './registry.js';
import { clearUserRows, forgetUserRow, holdsUserRows } from './user-rows.js';

const split = leaveOneOut(plantedSequences());

// The erasure contract of every family that keeps a row per user: forgetting a row in the live model and
// clearing it in a stored artifact give the same model, and a row it does not have is refused.
for (const spec of MODELS.filter((m) => m.clearUserRow)) {
  describe(`model ${spec.id}: erasing a user's row`, () => {
    it('forgets the row in the live model as in its stored artifact', async () => {
      const model = await spec.fit(split.train, spec.testParams, { seed: 3 });
      const stored = decodeArtifact(encodeArtifact(model.toArtifact()));
      // User 7 as the model's own row, and their items as a stranger's (what a neighbourhood model meets).
      const probes = [{ user: 7, ...userSequence(split.train, 7) }, { items: userSequence(split.train, 7).items }];
      const before = probes.map((state) => model.scoreAll(state).slice());
      expect(forgetUserRow(model, 7)).toBe(true);
      expect(probes.some((state, k) => !model.scoreAll(state).every((x, j) => x === before[k][j]))).toBe(true);
      expect(clearUserRows(stored, [7])).not.toBeNull();
      const restored = restoreModel(encodeArtifact(stored));
      for (const state of probes) expect(restored.scoreAll(state)).toEqual(model.scoreAll(state));
      // What is saved from now on is the model as it scores: the row is not in its artifact either.
      const saved = restoreModel(encodeArtifact(model.toArtifact()));
      for (const state of probes) expect(saved.scoreAll(state)).toEqual(model.scoreAll(state));
      expect(forgetUserRow(model, 1e6)).toBe(false);
    });
  });
}

// Factor families: the row is all zeros and no other user's scores move.
for (const spec of MODELS.filter((m) => m.capabilities.includes('user-embedding'))) {
  describe(`model ${spec.id}: erasing a user's factors`, () => {
    it('zeroes the row (scores as for an all-zero user) and leaves every other row', async () => {
      expect(spec.clearUserRow).toBeDefined();
      const model = await spec.fit(split.train, spec.testParams, { seed: 3 });
      const state = (user: number) => ({ user, ...userSequence(split.train, user) });
      const other = model.scoreAll(state(8)).slice();
      expect(forgetUserRow(model, 7)).toBe(true);
      const rows = model.toArtifact().arrays.userFactors;
      const dim = rows.length / (model.toArtifact().meta.users as number);
      expect(Array.from(rows.subarray(7 * dim, 8 * dim)).every((x) => x === 0)).toBe(true);
      expect(model.scoreAll(state(8))).toEqual(other);
    });
  });
}

describe("a blend's per-user parts", () => {
  const partsOf = (withBpr: boolean) => ({
    parts: [
      withBpr ? { model: 'bpr', params: { factors: 8, epochs: 3 }, weight: 1 } : { model: 'transition', params: {}, weight: 1 },
      { model: 'itemknn', params: {}, weight: 1 },
    ],
  });
  const fitBlend = (withBpr: boolean) => getModelSpec('blend').fit(split.train, partsOf(withBpr), { seed: 3 });
  const factorsOf = (blend: Recommender) => {
    const bpr = blendParts(blend)![0].model.toArtifact();
    const dim = bpr.arrays.userFactors.length / (bpr.meta.users as number);
    return (row: number) => Array.from(bpr.arrays.userFactors.subarray(row * dim, (row + 1) * dim));
  };

  it('are rows a blend holds: cleared in the live blend, and in its stored artifact', async () => {
    const blend = await fitBlend(true);
    expect(holdsUserRows(blend)).toBe(true);
    expect(holdsUserRows(await fitBlend(false))).toBe(false);
    const stored = decodeArtifact(encodeArtifact(blend.toArtifact()));
    const state = (user: number) => ({ user, ...userSequence(split.train, user) });
    const other = blend.scoreAll(state(8)).slice();
    expect(factorsOf(blend)(7).some((x) => x !== 0)).toBe(true);

    expect(forgetUserRow(blend, 7)).toBe(true);
    expect(factorsOf(blend)(7).every((x) => x === 0)).toBe(true);
    expect(factorsOf(blend)(8).some((x) => x !== 0)).toBe(true);
    expect(blend.scoreAll(state(8))).toEqual(other);

    // The stored path (an erasure rewriting a registry version): the nested part's row, and only it; what a
    // serving artifact keeps beside the parts (its lists) stays.
    stored.arrays.servingList = Float32Array.of(1, 2, 3);
    const cleared = clearUserRows(stored, [7])!;
    expect(Array.from(cleared.arrays.servingList)).toEqual([1, 2, 3]);
    delete cleared.arrays.servingList;
    const restored = restoreModel(encodeArtifact(cleared));
    expect(factorsOf(restored)(7).every((x) => x === 0)).toBe(true);
    expect(factorsOf(restored)(8)).toEqual(factorsOf(blend)(8));
    expect(clearUserRows(decodeArtifact(encodeArtifact((await fitBlend(false)).toArtifact())), [7])).toBeNull();
  });
});
