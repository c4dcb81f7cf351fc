import { describe, expect, it } from 'vitest';
import { parseSequences, userSequence } from '../data/index.js';
import { decodeArtifact, encodeArtifact } from './artifact.js';
import { getModelSpec } from './registry.js';
import { forgetUserRow } from './user-rows.js';

const sknn = getModelSpec('sknn');

describe('model sknn', () => {
  // Three kinds of session: a–b–c, a–b–d and e–f; the newest ones come last.
  const data = parseSequences(['u0 a b c', 'u1 a b c', 'u2 a b d', 'u3 e f g', 'u4 x b d'].join('\n'), 'view');
  const item = (id: string) => data.items.indexOf(id);
  const stateOf = (...ids: string[]) => ({ items: Int32Array.from(ids.map(item)) });

  it("scores the items of the sequences that share the state's items, most for the most similar", async () => {
    const model = await sknn.fit(data, {}, { seed: 1 });
    const scores = model.scoreAll(stateOf('a', 'b'));
    // c is in two sequences holding both a and b; d in one holding both and one holding only b.
    expect(scores[item('c')]).toBeGreaterThan(scores[item('d')]);
    expect(scores[item('d')]).toBeGreaterThan(0);
    expect(scores[item('g')]).toBe(0);
    // The newest item weighs most: after x then a, the sequences holding a (c twice, d once) outvote x–b–d;
    // after a then x, x–b–d's vote for d outweighs them.
    const afterA = model.scoreAll(stateOf('x', 'a'));
    expect(afterA[item('c')]).toBeGreaterThan(afterA[item('d')]);
    const afterX = model.scoreAll(stateOf('a', 'x'));
    expect(afterX[item('d')]).toBeGreaterThan(afterX[item('c')]);
  });

  it('keeps only the newest sequences per item, and never scores a known user from their own sequence', async () => {
    const few = await sknn.fit(data, { sessionsPerItem: 1 }, { seed: 1 });
    // b's one kept sequence is the newest, x–b–d: c is out of reach from b alone.
    const scores = few.scoreAll(stateOf('b'));
    expect(scores[item('d')]).toBeGreaterThan(0);
    expect(scores[item('c')]).toBe(0);
    const model = await sknn.fit(data, {}, { seed: 1 });
    const own = model.scoreAll({ user: 3, ...userSequence(data, 3) });
    expect(own[item('g')]).toBe(0); // e–f–g is user 3's own: nobody else holds it
  });

  it("an erased user's sequence stops voting, in the live model and in every item's list", async () => {
    const model = await sknn.fit(data, {}, { seed: 1 });
    expect(model.scoreAll(stateOf('e'))[item('g')]).toBeGreaterThan(0);
    expect(forgetUserRow(model, 3)).toBe(true);
    expect(model.scoreAll(stateOf('e'))[item('g')]).toBe(0);
    const arrays = model.toArtifact().arrays;
    expect(Array.from(arrays.itemSeqs)).not.toContain(3);
  });

  it('refuses an artifact whose indices point outside its arrays', async () => {
    const artifact = decodeArtifact(encodeArtifact((await sknn.fit(data, {}, { seed: 1 })).toArtifact()));
    artifact.arrays.itemSeqs[0] = 99;
    expect(() => sknn.restore(artifact)).toThrow(/out of range/);
    artifact.arrays.itemSeqs[0] = 0;
    artifact.arrays.seqIndptr[1] = 1e6;
    expect(() => sknn.restore(artifact)).toThrow(/row pointers/);
  });
});
