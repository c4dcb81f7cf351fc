import { describe, expect, it } from 'vitest';
import { createRng, type Event, type Item } from '../../core/index.js';
import { openStore } from '../../store/index.js';
import { ev, item, T0 } from '../../../test/support/interest-fixtures.js';
import { labelScores, mostFrequentLabels } from './metrics.js';
import { tagStore } from './store.js';
import { trainTagger } from './tagger.js';

const HAIR = ['shampoo', 'conditioner', 'hair mask', 'hair oil'];
const MAKEUP = ['lipstick', 'mascara', 'eyeliner', 'foundation'];

/** Items whose title names their kind; "vegan" tag when the description says plant-based. */
function textCatalogue(n: number): Item[] {
  const rng = createRng(3);
  return Array.from({ length: n }, (_, i) => {
    const hair = i % 2 === 0;
    const noun = (hair ? HAIR : MAKEUP)[rng.int(4)];
    const vegan = rng.next() < 0.4;
    return item(`t${i}`, hair ? ['Beauty', 'Hair'] : ['Beauty', 'Makeup'], {
      title: `${['Silky', 'Bold', 'Daily', 'Pro'][rng.int(4)]} ${noun} ${rng.int(500)}`,
      description: vegan ? 'a plant-based formula' : 'classic formula',
      tags: vegan ? ['vegan', hair ? 'haircare' : 'cosmetics'] : [hair ? 'haircare' : 'cosmetics'],
    });
  });
}

describe('trainTagger', () => {
  it('learns category and tags from title and description text', () => {
    const all = textCatalogue(200);
    const tagger = trainTagger(all.slice(0, 150), { seed: 1 });
    const test = all.slice(150);
    const preds = test.map((i) => tagger.predict({ ...i, categoryPath: [], tags: [] }));
    const cat = labelScores(
      test.map((i) => [i.categoryPath.join(' > ')]),
      preds.map((p) => (p.category ? [p.category.label] : [])),
    );
    const tags = labelScores(
      test.map((i) => i.tags),
      preds.map((p) => p.tags.map((t) => t.label)),
    );
    expect(cat.accuracy).toBeGreaterThan(0.95);
    expect(tags.micro.f1).toBeGreaterThan(0.9);
    expect(preds[0].category?.path).toEqual(test[0].categoryPath);
    expect(preds[0].category?.confidence).toBeGreaterThan(0.8);
  });

  it('learns from behaviour alone: items bought together share a category', () => {
    const cats = ['Tea', 'Coffee', 'Snacks'];
    const items = Array.from({ length: 90 }, (_, i) => item(`i${i}`, [cats[i % 3]]));
    const rng = createRng(9);
    const events: Event[] = [];
    for (let u = 0; u < 300; u++) {
      const c = u % 3;
      for (let k = 0; k < 6; k++) events.push(ev(`u${u}`, `i${3 * rng.int(30) + c}`, 'purchase', T0 + k));
    }
    const test = items.filter((_, i) => i % 5 === 0);
    const train = items.filter((_, i) => i % 5 !== 0);
    const tagger = trainTagger([...train, ...test.map((i) => ({ ...i, categoryPath: [] }))], { events, seed: 2 });
    const acc = test.filter((i) => tagger.predict({ ...i, categoryPath: [] }).category?.label === i.categoryPath[0]).length / test.length;
    expect(acc).toBeGreaterThan(0.9);
    const baseline = mostFrequentLabels(
      train.map((i) => i.categoryPath),
      1,
    );
    expect(test.filter((i) => i.categoryPath[0] === baseline[0]).length / test.length).toBeLessThan(0.5);
  });

  it('falls back to a low-confidence prior for an unknown item with nothing to go on', () => {
    const tagger = trainTagger(textCatalogue(60), { seed: 1 });
    const p = tagger.predict(item('ghost', []));
    expect(p.category?.confidence).toBeLessThan(0.7);
    expect(p.tags.length).toBeGreaterThanOrEqual(1);
    expect(() => trainTagger([item('x', [])])).toThrow(/at least one item/);
  });
});

describe('labelScores', () => {
  it('computes micro and macro precision, recall and F1', () => {
    const s = labelScores([['a', 'b'], ['a']], [['a'], ['a', 'c']]);
    expect(s.micro).toEqual({ precision: 0.6667, recall: 0.6667, f1: 0.6667 });
    expect(s.macro.recall).toBe(0.5); // a: 1, b: 0
    expect(s.accuracy).toBe(0);
  });
});

describe('tagStore', () => {
  it('fills missing categories and tags of a store and records confidences', async () => {
    const store = await openStore('sqlite::memory:');
    const all = textCatalogue(80);
    await store.upsertItems([...all.slice(0, 70), ...all.slice(70).map((i) => ({ ...i, categoryPath: [], tags: [] }))]);
    const dry = await tagStore(store, { seed: 1 });
    expect(dry).toMatchObject({ unlabelledItems: 10, updatedItems: 0 });
    const done = await tagStore(store, { seed: 1, apply: true, minConfidence: 0.5 });
    expect(done.updatedItems).toBeGreaterThan(5);
    const fixed = await store.getItem('t70');
    expect(fixed?.categoryPath).toEqual(all[70].categoryPath);
    expect(fixed?.attributes.autoTag).toBeDefined();
    await store.close();
  });
});
