import { describe, expect, it } from 'vitest';
import { leaveOneOut, userSequence } from '../data/index.js';
import { plantedSequences } from '../../test/support/planted.js';
import { encodeArtifact } from './artifact.js';
import { MODELS, restoreModel } from './registry.js';
import { forgetUserRow } from './user-rows.js';

const split = leaveOneOut(plantedSequences());

// The erasure contract of `user-embedding`: a training user's row can be cleared in the live model.
for (const spec of MODELS.filter((m) => m.capabilities.includes('user-embedding'))) {
  describe(`model ${spec.id}: erasing a user's row`, () => {
    it('clears the row in the live model (scores as for an all-zero user) and leaves every other row', async () => {
      const model = await spec.fit(split.train, spec.testParams, { seed: 3 });
      const state = (user: number) => ({ user, ...userSequence(split.train, user) });
      const other = model.scoreAll(state(8)).slice();
      const before = model.scoreAll(state(7)).slice();
      expect(forgetUserRow(model, 7)).toBe(true);
      const after = model.scoreAll(state(7));
      expect(after).not.toEqual(before);
      const rows = model.toArtifact().arrays.userFactors;
      const dim = rows.length / (model.toArtifact().meta.users as number);
      expect(Array.from(rows.subarray(7 * dim, 8 * dim)).every((x) => x === 0)).toBe(true);
      expect(model.scoreAll(state(8))).toEqual(other);
      // What is saved from now on is the model as it scores: the row is not in its artifact either.
      expect(restoreModel(encodeArtifact(model.toArtifact())).scoreAll(state(7))).toEqual(after);
      expect(forgetUserRow(model, 1e6)).toBe(false);
    });
  });
}
