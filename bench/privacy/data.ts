/** The two datasets of bench:privacy as leave-one-out splits, and the serving model fitted the way serving fits it. */
import { configSchema, type EventType } from '../../src/core/index.js';
import { createSequenceBuilder, leaveOneOut, readDataset, type SequenceDataset, type Split } from '../../src/data/index.js';
import { evaluate, createShop, type ShopOptionsInput } from '../../src/eval/index.js';
import { getModelSpec, type Recommender } from '../../src/models/index.js';
import { datasetPath, portablePath } from '../datasets.js';

/** What `datasetFromStore` reads by default: behaviour that names an item, impressions and searches left out. */
const BEHAVIOUR: ReadonlySet<EventType> = new Set(['view', 'click', 'cart', 'favorite', 'purchase', 'review', 'rating']);

export interface LoadedDataset {
  name: 'shop' | 'beauty';
  description: string;
  split: Split;
  /** When retention runs and the model trains: the newest event (epoch ms); null for order-only data. */
  nowMs: number | null;
  settings: Record<string, unknown>;
}

/** The synthetic shop's behaviour as sequences, as a store holding its log would give them. */
export function loadShop(options: ShopOptionsInput): LoadedDataset {
  const shop = createShop(options);
  const builder = createSequenceBuilder();
  let newest = Number.NEGATIVE_INFINITY;
  for (const e of shop.events()) {
    if (e.itemId === null || !BEHAVIOUR.has(e.type) || e.timestamp >= shop.endTime) continue;
    builder.add(e.userId, e.itemId, e.type, e.timestamp);
    newest = Math.max(newest, e.timestamp);
  }
  const full: SequenceDataset = builder.build();
  const o = shop.options;
  return {
    name: 'shop',
    description: `synthetic shop (src/eval/simulator): ${o.users} users, ${o.items} items, ${o.days} days, ${o.sessionsPerUserPerDay} sessions per user per day, seed ${o.seed}`,
    split: leaveOneOut(full),
    nowMs: newest,
    settings: { simulator: { ...o }, events: full.itemIdx.length, types: [...BEHAVIOUR] },
  };
}

/** Amazon Beauty as bench:quality reads it (amazon-s3rec, one user per line in time order, no times). */
export function loadBeauty(): LoadedDataset {
  const file = datasetPath('amazon-s3rec', 'Beauty.txt');
  const full = readDataset(file, { attributesPath: file.replace('.txt', '_item2attributes.json') });
  return {
    name: 'beauty',
    description: `Amazon Beauty (${portablePath(file)}): ${full.users.length} users, ${full.items.length} items, ${full.itemIdx.length} actions`,
    split: leaveOneOut(full),
    nowMs: null,
    settings: { file: portablePath(file) },
  };
}

/** The default serving model (`serving.model`, `serving.modelParams`, `events.weights` of an empty configuration). */
export function servingModel(): { id: string; params: Record<string, unknown>; fit(split: Split, seed: number): Promise<Recommender> } {
  const config = configSchema.parse({});
  const spec = getModelSpec(config.serving.model);
  const params = spec.parseParams(config.serving.modelParams);
  return {
    id: spec.id,
    params,
    fit: async (split, seed) => spec.fit(split.train, params, { seed, eventWeights: config.events.weights }),
  };
}

export const METRICS = ['hr@10', 'ndcg@10'] as const;

export interface Score {
  'hr@10': number;
  'ndcg@10': number;
  users: number;
}

/** HR@10 and NDCG@10 over the split's test cases: leave-one-out, full ranking, history excluded (bench:quality's protocol). */
export function score(model: Recommender, split: Split, seed: number): Score {
  const r = evaluate(model, split, 'test', { protocol: 'full', metrics: METRICS, seed });
  return { 'hr@10': r.metrics['hr@10'], 'ndcg@10': r.metrics['ndcg@10'], users: r.cases };
}

/** The scores of two groups of users as one over all of them (both metrics are means over users). */
export function pooled(a: Score, b: Score): Score {
  if (a.users === 0) return b;
  if (b.users === 0) return a;
  const users = a.users + b.users;
  const mean = (k: (typeof METRICS)[number]): number => (a[k] * a.users + b[k] * b.users) / users;
  return { 'hr@10': mean('hr@10'), 'ndcg@10': mean('ndcg@10'), users };
}
