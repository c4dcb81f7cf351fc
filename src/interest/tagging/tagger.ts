import { createRng, CurioError, type Event, type Item } from '../../core/index.js';
import { fitMulticlass, sigmoidProbabilities, softmaxProbabilities, type MulticlassModel, type SparseRow } from '../../models/index.js';
import { round } from '../math/distribution.js';
import { FeatureDictionary } from './feature-dictionary.js';
import { DEFAULT_BLOCK_WEIGHTS, itemFeatures, type BlockWeights, type FeatureContext } from './features.js';
import { itemNeighbours } from './neighbours.js';

export interface TaggerOptions {
  /** Behaviour for co-occurrence features (neighbour ids and their labels). */
  events?: Iterable<Event>;
  /** Optional item embeddings (e.g. from a trained model), used as dense features. */
  embeddings?: ReadonlyMap<string, Float32Array>;
  epochs?: number;
  learningRate?: number;
  l2?: number;
  hashBits?: number;
  /** Buckets seen in fewer training items are dropped. Default 2. */
  minFeatureCount?: number;
  /** Labels with fewer training items are not learned. Default 3. */
  minLabelCount?: number;
  /** Probability at or above which a tag is predicted. Default 0.35. */
  tagThreshold?: number;
  /** Cap on weights (features × classes) per model, to bound memory. Default 40M. */
  maxWeights?: number;
  blocks?: Partial<BlockWeights>;
  cooccurrenceWindow?: number;
  seed?: number;
}

export interface LabelGuess {
  label: string;
  confidence: number;
}

/** A prediction for one item: its most likely category (null when none was learned) and tags. */
export interface TagPrediction {
  itemId: string;
  category: (LabelGuess & { path: string[] }) | null;
  tags: LabelGuess[];
}

export interface Tagger {
  categories: string[];
  tags: string[];
  features: number;
  predict(item: Item): TagPrediction;
}

/** The category label of an item ("A > B"), or null. */
export const categoryLabel = (item: Item): string | null => (item.categoryPath.length ? item.categoryPath.join(' > ') : null);

interface Head {
  labels: string[];
  model: MulticlassModel;
}

function labelIndex(lists: Array<readonly string[]>, minCount: number): string[] {
  const counts = new Map<string, number>();
  for (const l of lists) for (const x of new Set(l)) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts]
    .filter(([, c]) => c >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([k]) => k);
}

function trainHead(
  kind: MulticlassModel['kind'],
  x: SparseRow[],
  lists: Array<readonly string[]>,
  features: number,
  opts: Required<Pick<TaggerOptions, 'minLabelCount' | 'epochs' | 'learningRate' | 'l2' | 'seed'>>,
): Head | null {
  const labels = labelIndex(lists, opts.minLabelCount);
  if (labels.length === 0) return null;
  const index = new Map(labels.map((l, i) => [l, i]));
  const rows = lists
    .map((l, i) => ({ i, pos: [...new Set(l)].map((t) => index.get(t)).filter((c): c is number => c !== undefined) }))
    .filter((r) => kind === 'one-vs-rest' || r.pos.length > 0);
  const prior = new Float32Array(labels.length);
  for (const r of rows) for (const c of r.pos) prior[c]++;
  // Start from the label frequencies, so rare labels do not begin at p = 0.5.
  const initialBias = prior.map((n) =>
    kind === 'softmax' ? Math.log((n + 1) / rows.length) : Math.log((n + 0.5) / (rows.length - n + 0.5)),
  );
  const model = fitMulticlass(
    kind,
    { x: rows.map((r) => x[r.i]), targets: (k) => rows[k].pos, classes: labels.length, features, initialBias },
    { epochs: opts.epochs, learningRate: opts.learningRate, l2: opts.l2, rng: createRng(opts.seed) },
  );
  return { labels, model };
}

/**
 * Learns category (softmax) and tags (one-vs-rest logistic) from the labelled items in `items`, over hashed
 * text n-grams and behavioural co-occurrence features; unlabelled items in `items` still give behaviour.
 */
export function trainTagger(items: readonly Item[], options: TaggerOptions = {}): Tagger {
  const labelled = items.filter((i) => categoryLabel(i) !== null || i.tags.length > 0);
  if (labelled.length === 0) throw new CurioError('BAD_INPUT', 'auto-tagging needs at least one item with a category or tags');
  const ctx: FeatureContext = {
    hashBits: options.hashBits ?? 18,
    blocks: { ...DEFAULT_BLOCK_WEIGHTS, ...options.blocks },
    neighbours: options.events ? itemNeighbours(options.events, { window: options.cooccurrenceWindow }) : new Map(),
    labels: new Map(labelled.map((i) => [i.id, { category: categoryLabel(i), tags: i.tags }])),
    embeddings: options.embeddings,
  };
  const sparse = labelled.map((i) => itemFeatures(i, ctx));
  const opts = {
    minLabelCount: options.minLabelCount ?? 3,
    epochs: options.epochs ?? 8,
    learningRate: options.learningRate ?? 0.5,
    l2: options.l2 ?? 1e-5,
    seed: options.seed ?? 17,
  };
  const tagCount = labelIndex(
    labelled.map((i) => i.tags),
    opts.minLabelCount,
  ).length;
  const catCount = labelIndex(
    labelled.map((i) => [categoryLabel(i) ?? '']).filter(([c]) => c),
    opts.minLabelCount,
  ).length;
  const maxFeatures = Math.floor((options.maxWeights ?? 40e6) / Math.max(1, tagCount, catCount));
  const dict = new FeatureDictionary(sparse, { minCount: options.minFeatureCount ?? 2, maxFeatures });
  const x = sparse.map((v) => dict.compact(v));
  const catIdx = labelled.map((i, k) => ({ k, c: categoryLabel(i) })).filter((r) => r.c !== null);
  const catHead = trainHead(
    'softmax',
    catIdx.map((r) => x[r.k]),
    catIdx.map((r) => [r.c as string]),
    dict.size,
    opts,
  );
  const tagIdx = labelled.map((i, k) => ({ k, t: i.tags })).filter((r) => r.t.length > 0);
  const tagHead = trainHead(
    'one-vs-rest',
    tagIdx.map((r) => x[r.k]),
    tagIdx.map((r) => r.t),
    dict.size,
    opts,
  );
  const threshold = options.tagThreshold ?? 0.35;
  return {
    categories: catHead?.labels ?? [],
    tags: tagHead?.labels ?? [],
    features: dict.size,
    predict: (item) => predictWith(item, dict.compact(itemFeatures(item, ctx)), { catHead, tagHead, threshold }),
  };
}

function predictWith(item: Item, x: SparseRow, heads: { catHead: Head | null; tagHead: Head | null; threshold: number }): TagPrediction {
  let category: TagPrediction['category'] = null;
  if (heads.catHead) {
    const p = softmaxProbabilities(heads.catHead.model, x);
    const best = p.indexOf(Math.max(...p));
    const label = heads.catHead.labels[best];
    category = { label, path: label.split(' > '), confidence: round(p[best]) };
  }
  const tags: LabelGuess[] = [];
  if (heads.tagHead) {
    const p = sigmoidProbabilities(heads.tagHead.model, x);
    const ranked = [...p.keys()].sort((a, b) => p[b] - p[a]);
    for (const c of ranked) {
      // Always name the likeliest tag; the rest must clear the threshold.
      if (tags.length > 0 && p[c] < heads.threshold) break;
      tags.push({ label: heads.tagHead.labels[c], confidence: round(p[c]) });
    }
  }
  return { itemId: item.id, category, tags };
}
