import { describe, expect, it } from 'vitest';
import { parseRechorus } from '../data/index.js';
import { decodeArtifact, encodeArtifact } from './artifact.js';
import { getModelSpec } from './registry.js';
import { forgetUserRow } from './user-rows.js';

const repeat = getModelSpec('repeat');

describe('model repeat', () => {
  // u views a, b, c, d, e in that order, buys a at the end and carts c; v views e and then dislikes it.
  const rows = ['user_id\titem_id\ttime\ttype', ...['a', 'b', 'c', 'd', 'e'].map((id, t) => `u\t${id}\t${t}\tview`)];
  rows.push('u\ta\t6\tpurchase', 'u\tc\t7\tcart');
  rows.push('v\te\t1\tview', 'v\te\t2\tdislike', 'v\tf\t3\tview');
  const data = parseRechorus(rows.join('\n'), 'view');
  const item = (id: string) => data.items.indexOf(id);
  const user = (id: string) => data.users.indexOf(id);

  it("scores a known user's own past, the newest and the most engaged first, and nothing else", async () => {
    const model = await repeat.fit(data, { halfLife: 1 }, { seed: 1 });
    const scores = model.scoreAll({ user: user('u'), items: Int32Array.from([item('e')]) });
    // c was carted last (view + cart), then e, d, b back in time (a, bought, is out), each half the one after it.
    expect(scores[item('c')]).toBeGreaterThan(scores[item('e')]);
    expect(scores[item('e')]).toBeCloseTo(2 * scores[item('d')]);
    expect(scores[item('d')]).toBeCloseTo(2 * scores[item('b')]);
    expect(scores[item('b')]).toBeGreaterThan(0);
    expect(scores[item('a')]).toBe(0); // bought: a slate never shows it again
    expect(scores[item('f')]).toBe(0); // another user's item
    // A disliked item does not come back; an anonymous state gets nothing.
    expect(model.scoreAll({ user: user('v'), items: Int32Array.from([item('f')]) })[item('e')]).toBe(0);
    expect(model.scoreAll({ items: Int32Array.from([item('a')]) }).every((x) => x === 0)).toBe(true);
  });

  it("an erased user's row stops scoring at once, and a corrupt artifact is refused", async () => {
    const model = await repeat.fit(data, {}, { seed: 1 });
    expect(forgetUserRow(model, user('u'))).toBe(true);
    expect(model.scoreAll({ user: user('u'), items: Int32Array.from([item('e')]) }).every((x) => x === 0)).toBe(true);
    const artifact = decodeArtifact(encodeArtifact(model.toArtifact()));
    artifact.arrays.rowItems[artifact.arrays.rowItems.length - 1] = data.items.length;
    expect(() => repeat.restore(artifact)).toThrow(/out of range/);
  });
});
