import { describe, expect, it } from 'vitest';
import { CurioError, type Event, type Item } from '../core/index.js';
import {
  createSequenceBuilder,
  datasetFromStore,
  itemAttributeNames,
  leaveOneOut,
  userCount,
  userSequence,
  type SequenceDataset,
  type Split,
} from '../data/index.js';
import { plantedSequences } from '../../test/support/planted.js';
import { curioSeqModel } from './curio-seq.js';
import type { Recommender, UserState } from './recommender.js';
import { topK } from './top-k.js';
import { popModel } from './pop.js';
import { sasrecModel } from './sasrec.js';
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

/** HR@10 on the split's test cases of a model whose item i is `modelItems[i]` (the split's own numbering by default). */
function hitRateAt10(model: Recommender, split: Split, modelItems = split.full.items): number {
  const index = new Map(modelItems.map((id, i) => [id, i]));
  const toModel = (i: number): number => index.get(split.full.items[i]) ?? -1;
  let hits = 0;
  for (let c = 0; c < split.test.users.length; c++) {
    const seq = userSequence(split.full, split.test.users[c], split.test.historyLengths[c]);
    const items = seq.items.map(toModel).filter((i) => i >= 0);
    const excluded = new Uint8Array(model.nItems);
    for (const i of items) excluded[i] = 1;
    const state = {
      items,
      types: seq.types.filter((_, k) => toModel(seq.items[k]) >= 0),
      timestampsMs: seq.timestampsMs.filter((_, k) => toModel(seq.items[k]) >= 0),
    };
    if (topK(model.scoreAll(state), 10, excluded).includes(toModel(split.test.targets[c]))) hits++;
  }
  return hits / split.test.users.length;
}

/** `ds`'s events in another dataset's item numbering (by external id). */
function inItemsOf(state: UserState, from: SequenceDataset, to: SequenceDataset): UserState {
  const index = new Map(to.items.map((id, i) => [id, i]));
  return { ...state, items: state.items.map((i) => index.get(from.items[i])!) };
}

/** The planted data re-built with items numbered differently, plus users of 10 items the warm model never saw. */
function grownData(ds: SequenceDataset): SequenceDataset {
  const b = createSequenceBuilder();
  for (let u = 0; u < 40; u++)
    for (let t = 0; t < 6; t++) b.add(`new${u}`, `n${(u + t) % 10}`, 'view', Date.UTC(2024, 5, 1) + (u * 10 + t) * 60_000);
  for (let u = userCount(ds) - 1; u >= 0; u--) {
    const seq = userSequence(ds, u);
    seq.items.forEach((i, k) => b.add(ds.users[u], ds.items[i], 'view', seq.timestampsMs[k]));
  }
  return b.build();
}

describe('curio-seq warm start', () => {
  const split = leaveOneOut(withCategories(plantedSequences()));
  const warmModel = curioSeqModel.fit(split.train, PARAMS, { seed: 3 });
  const probes = [0, 7, 42, 101].map((u) => userSequence(split.train, u));

  it('from the same data, one epoch at a tiny learning rate scores as the warm model does', async () => {
    const warm = await warmModel;
    const model = await curioSeqModel.fit(
      split.train,
      { ...PARAMS, epochs: 1, learningRate: 1e-7 },
      { seed: 9, warmStart: { model: warm, itemIds: split.train.items } },
    );
    for (const state of probes) {
      const a = warm.scoreAll(state);
      const b = model.scoreAll(state);
      for (let j = 0; j < a.length; j++) expect(b[j]).toBeCloseTo(a[j], 3);
    }
  });

  it('maps item rows by external id and attribute rows by name when the new data numbers both differently and has new items', async () => {
    const warm = await warmModel;
    const grown = withCategories(grownData(split.train), true);
    const shared = split.train.items.filter((id) => grown.items.includes(id));
    expect(grown.items.length).toBe(shared.length + 10);
    expect(grown.items.slice(0, 20)).not.toEqual(split.train.items.slice(0, 20));
    const model = await curioSeqModel.fit(
      grown,
      { ...PARAMS, epochs: 1, learningRate: 1e-7 },
      { seed: 9, warmStart: { model: warm, itemIds: split.train.items } },
    );
    expect(model.nItems).toBe(grown.items.length);
    const index = new Map(grown.items.map((id, i) => [id, i]));
    for (const state of probes) {
      const a = warm.scoreAll(state);
      const b = model.scoreAll(inItemsOf(state, split.train, grown));
      for (const id of shared) expect(b[index.get(id)!]).toBeCloseTo(a[split.train.items.indexOf(id)], 3);
    }
  });

  it('two epochs from the warm model reach its quality on newer data; two from scratch fall far short', async () => {
    const warm = await warmModel;
    const next = leaveOneOut(withCategories(plantedSequences({ seed: 2 })));
    // End-to-end windows: one window per prefix would give two epochs several times the steps, enough for
    // a scratch model on data this small, and the contrast is about where training starts.
    const params = { ...PARAMS, epochs: 2, learningRate: 0.005, prefixes: false };
    const updated = await curioSeqModel.fit(next.train, params, { seed: 4, warmStart: { model: warm, itemIds: split.train.items } });
    const scratch = await curioSeqModel.fit(next.train, params, { seed: 4 });
    const before = hitRateAt10(warm, next, split.train.items);
    expect(before).toBeGreaterThan(0.5);
    expect(hitRateAt10(updated, next)).toBeGreaterThanOrEqual(before);
    expect(hitRateAt10(scratch, next)).toBeLessThan(before - 0.2);
  });

  it('refuses a warm model of another architecture with BAD_INPUT naming the param', async () => {
    const warm = await warmModel;
    const failure = await curioSeqModel
      .fit(split.train, { ...PARAMS, dim: 32, style: 'pre-ln' }, { seed: 9, warmStart: { model: warm, itemIds: split.train.items } })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CurioError);
    expect((failure as CurioError).code).toBe('BAD_INPUT');
    expect((failure as CurioError).problems.map((p) => p.path)).toEqual(['dim', 'style']);
    expect((failure as CurioError).message).toMatch(/dim .*style/);
  });

  it('refuses a warm model of another family, item ids that do not fit it, and a model that cannot warm-start', async () => {
    const warm = await warmModel;
    const codeOf = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'fitted').catch((e: unknown) => (e as CurioError).code);
    const sasrec = await sasrecModel.fit(split.train, { dim: 16, maxLen: 10, epochs: 1 }, { seed: 1 });
    const tiny = { ...PARAMS, epochs: 1 };
    await expect(
      codeOf(curioSeqModel.fit(split.train, tiny, { seed: 1, warmStart: { model: sasrec, itemIds: split.train.items } })),
    ).resolves.toBe('BAD_INPUT');
    await expect(
      codeOf(curioSeqModel.fit(split.train, tiny, { seed: 1, warmStart: { model: warm, itemIds: split.train.items.slice(1) } })),
    ).resolves.toBe('BAD_INPUT');
    await expect(codeOf(popModel.fit(split.train, {}, { seed: 1, warmStart: { model: warm, itemIds: split.train.items } }))).resolves.toBe(
      'BAD_INPUT',
    );
  });

  it('sasrec maps item rows by external id as well', async () => {
    const params = { dim: 16, maxLen: 10, epochs: 4, dropoutRate: 0.1, learningRate: 0.01 };
    const warm = await sasrecModel.fit(split.train, params, { seed: 3 });
    const grown = grownData(split.train);
    const model = await sasrecModel.fit(
      grown,
      { ...params, epochs: 1, learningRate: 1e-7 },
      { seed: 9, warmStart: { model: warm, itemIds: split.train.items } },
    );
    const index = new Map(grown.items.map((id, i) => [id, i]));
    for (const state of probes) {
      const a = warm.scoreAll(state);
      const b = model.scoreAll(inItemsOf(state, split.train, grown));
      split.train.items.forEach((id, j) => {
        if (index.has(id)) expect(b[index.get(id)!]).toBeCloseTo(a[j], 3);
      });
    }
  });

  it('restores an artifact written without attribute names, and warm-starts from it with fresh attribute rows', async () => {
    const warm = await warmModel;
    const artifact = warm.toArtifact();
    expect([...(artifact.meta.featureNames as string[])].sort()).toEqual([
      '',
      'Shop',
      'Shop/C0',
      'Shop/C1',
      'Shop/C2',
      'Shop/C3',
      'Shop/C4',
    ]);
    const { featureNames: _names, ...meta } = artifact.meta;
    const old = curioSeqModel.restore({ ...artifact, meta });
    for (const state of probes) expect(old.scoreAll(state)).toEqual(warm.scoreAll(state));
    const tiny = { ...PARAMS, epochs: 1, learningRate: 1e-7 };
    const fromOld = await curioSeqModel.fit(split.train, tiny, { seed: 9, warmStart: { model: old, itemIds: split.train.items } });
    const fromNew = await curioSeqModel.fit(split.train, tiny, { seed: 9, warmStart: { model: warm, itemIds: split.train.items } });
    const weights = (m: Recommender, name: string): Float32Array => m.toArtifact().arrays[`p:${name}`] as Float32Array;
    const gap = (a: Float32Array, b: Float32Array): number => a.reduce((g, x, k) => Math.max(g, Math.abs(x - b[k])), 0);
    expect(gap(weights(fromOld, 'items.weight'), weights(warm, 'items.weight'))).toBeLessThan(1e-4);
    expect(gap(weights(fromNew, 'attrs.weight'), weights(warm, 'attrs.weight'))).toBeLessThan(1e-4);
    expect(gap(weights(fromOld, 'attrs.weight'), weights(warm, 'attrs.weight'))).toBeGreaterThan(0.1);
  });
});

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
