import { describe, expect, it } from 'vitest';
import type { Event, Item } from '../core/index.js';
import { datasetFromStore, itemAttributeNames, leaveOneOut, userCount, userSequence, type SequenceDataset } from '../data/index.js';
import { plantedSequences } from '../../test/support/planted.js';
import { curioSeqModel } from './curio-seq.js';
import { isSequentialRecommender, type SequentialRecommender } from './seq-model.js';
import type { Store } from '../store/index.js';

const CLUSTER_SIZE = 20; // plantedSequences' default: item i{c * 20 + k} is in cluster c
const PARAMS = { dim: 16, maxLen: 10, heads: 1, epochs: 8, dropoutRate: 0.1, learningRate: 0.01 };

const clusterOf = (itemId: string): number => Math.floor(Number(itemId.slice(1)) / CLUSTER_SIZE);
const categoryPath = (itemId: string): string[] => (itemId.startsWith('n') ? ['Shop', 'New'] : ['Shop', `C${clusterOf(itemId)}`]);

/**
 * Gives each item the attributes a store item in category Shop > C<cluster> has (itemAttributeNames), with
 * attribute ids numbered in the given name order: datasets differ in their ids, not their names.
 */
function withCategories(ds: SequenceDataset, reverseIds = false): SequenceDataset {
  const names = [...new Set(ds.items.flatMap((id) => itemAttributeNames({ categoryPath: categoryPath(id) })))].sort();
  if (reverseIds) names.reverse();
  const idOf = new Map(names.map((n, k) => [n, k]));
  const itemAttributes = ds.items.map((id) => Int32Array.from(itemAttributeNames({ categoryPath: categoryPath(id) }), (n) => idOf.get(n)!));
  return { ...ds, itemAttributes, attributeNames: names };
}

describe('curio-seq cold items', () => {
  const split = leaveOneOut(withCategories(plantedSequences()));
  const fitted = curioSeqModel.fit(split.train, PARAMS, { seed: 3 });
  const names = (cluster: number): string[] => itemAttributeNames({ categoryPath: ['Shop', `C${cluster}`] });
  const dot = (h: Float32Array, v: Float32Array, row: number): number => h.reduce((s, x, d) => s + x * v[row * h.length + d], 0);
  const usersOf = (cluster: number): number[] =>
    Array.from({ length: userCount(split.train) }, (_, u) => u).filter(
      (u) => clusterOf(split.train.items[split.train.itemIdx[split.train.offsets[u]]]) === cluster,
    );

  async function sequential(): Promise<SequentialRecommender & Required<Pick<SequentialRecommender, 'coldItemVectors'>>> {
    const model = await fitted;
    if (!isSequentialRecommender(model) || !model.coldItemVectors) throw new Error('curio-seq offers no cold item vectors');
    return model as SequentialRecommender & Required<Pick<SequentialRecommender, 'coldItemVectors'>>;
  }

  it("a cold item's vector is the attribute part of a trained item's embedding (the same scale as trained scores)", async () => {
    const model = await sequential();
    const dim = model.embeddingDim;
    const emb = model.itemEmbeddings();
    const e = model.toArtifact().arrays['p:items.weight'] as Float32Array;
    const items = [0, 33, 99];
    const cold = model.coldItemVectors(items.map((j) => itemAttributeNames({ categoryPath: categoryPath(split.train.items[j]) })));
    items.forEach((j, c) => {
      for (let d = 0; d < dim; d++) expect(e[(j + 1) * dim + d] + cold[c * dim + d]).toBeCloseTo(emb[j * dim + d], 5);
    });
  });

  it('a cold item with the attributes of a cluster scores higher for the users of that cluster than for those of another', async () => {
    const model = await sequential();
    const cold = model.coldItemVectors([names(0), names(1)]);
    const mean = (users: number[], row: number): number =>
      users.reduce((s, u) => s + dot(model.userVector(userSequence(split.train, u)), cold, row), 0) / users.length;
    const [zero, one] = [usersOf(0), usersOf(1)];
    expect(zero.length).toBeGreaterThan(20);
    expect(one.length).toBeGreaterThan(20);
    expect(mean(zero, 0)).toBeGreaterThan(mean(one, 0));
    expect(mean(one, 1)).toBeGreaterThan(mean(zero, 1));
    // Per user: the cold item of their own cluster outscores the other cluster's.
    const own = [...zero.map((u) => [u, 0]), ...one.map((u) => [u, 1])].filter(([u, c]) => {
      const h = model.userVector(userSequence(split.train, u));
      return dot(h, cold, c) > dot(h, cold, 1 - c);
    });
    expect(own.length / (zero.length + one.length)).toBeGreaterThan(0.8);
  });

  it('an item with unknown attributes gets a finite, neutral score; unknown names next to known ones change nothing', async () => {
    const model = await sequential();
    const dim = model.embeddingDim;
    const cold = model.coldItemVectors([['Elsewhere', 'Elsewhere/Else'], [], [...names(2), 'Elsewhere']]);
    expect(cold.subarray(0, 2 * dim).every((x) => x === 0)).toBe(true);
    expect(Array.from(cold.subarray(2 * dim))).toEqual(Array.from(model.coldItemVectors([names(2)])));
    for (const u of [0, 7, 42]) {
      const score = dot(model.userVector(userSequence(split.train, u)), cold, 0);
      expect(Number.isFinite(score)).toBe(true);
      expect(score).toBe(0); // the same for every state: no preference either way
    }
  });

  it('a restored model gives the same cold vectors; one restored from an artifact without names gives zeros', async () => {
    const model = await sequential();
    const artifact = model.toArtifact();
    const restored = curioSeqModel.restore(artifact);
    const { featureNames: _names, ...meta } = artifact.meta;
    const old = curioSeqModel.restore({ ...artifact, meta });
    if (!isSequentialRecommender(restored) || !isSequentialRecommender(old)) throw new Error('not sequential');
    expect(restored.coldItemVectors?.([names(1)])).toEqual(model.coldItemVectors([names(1)]));
    expect(old.coldItemVectors?.([names(1)]).every((x) => x === 0)).toBe(true);
  });

  it("a store item's attribute names are the ones its dataset's attribute ids stand for, whatever the scan order", async () => {
    const items = [
      { id: 'a', categoryPath: ['Groceries', 'Tea'] },
      { id: 'b', categoryPath: ['Media'] },
      { id: 'c', categoryPath: ['Groceries', 'Coffee'] },
    ];
    const store = (order: typeof items): Store =>
      ({
        kind: 'fake',
        async *scanEvents() {
          for (const [k, it] of items.entries()) yield { userId: 'u', itemId: it.id, type: 'view', timestamp: k } as Event;
        },
        async *scanItems() {
          for (const it of order) yield it as Item;
        },
      }) as unknown as Store;
    for (const order of [items, [...items].reverse()]) {
      const ds = await datasetFromStore(store(order), { withCategories: true });
      ds.items.forEach((id, i) => {
        const item = items.find((it) => it.id === id)!;
        expect(Array.from(ds.itemAttributes![i]!, (a) => ds.attributeNames![a])).toEqual(itemAttributeNames(item));
      });
    }
    expect(itemAttributeNames({ categoryPath: ['Groceries', 'Tea'] })).toEqual(['Groceries', 'Groceries/Tea']);
  });
});
