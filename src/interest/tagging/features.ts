import type { Item } from '../../core/index.js';
import { fnv1a, textGrams } from '../math/hashing.js';
import type { Neighbour } from './neighbours.js';

/** A sparse vector over hashed feature buckets. */
export interface SparseVector {
  keys: number[];
  values: number[];
}

/** How much each block of features counts (each block is L2-normalised first). */
export interface BlockWeights {
  text: number;
  brand: number;
  neighbourIds: number;
  neighbourLabels: number;
  embedding: number;
}

export const DEFAULT_BLOCK_WEIGHTS: BlockWeights = { text: 1, brand: 0.5, neighbourIds: 1, neighbourLabels: 1, embedding: 1 };

/** What the features of an item may draw on besides its own text. */
export interface FeatureContext {
  hashBits: number;
  blocks: BlockWeights;
  neighbours: ReadonlyMap<string, Neighbour[]>;
  /** Known labels of training items: category key and tags. Never holds a held-out item. */
  labels: ReadonlyMap<string, { category: string | null; tags: readonly string[] }>;
  embeddings?: ReadonlyMap<string, Float32Array>;
}

function addBlock(out: Map<number, number>, named: Map<string, number>, weight: number, hashBits: number): void {
  let norm = 0;
  for (const v of named.values()) norm += v * v;
  if (norm === 0 || weight === 0) return;
  const scale = weight / Math.sqrt(norm);
  const mask = (1 << hashBits) - 1;
  for (const [name, v] of named) {
    const h = fnv1a(name) & mask;
    out.set(h, (out.get(h) ?? 0) + v * scale);
  }
}

function bump(m: Map<string, number>, key: string, w: number): void {
  m.set(key, (m.get(key) ?? 0) + w);
}

/** Text (word 1–2-grams, char 3–4-grams, log tf), brand, co-occurring item ids, their labels and a dense embedding. */
export function itemFeatures(item: Item, ctx: FeatureContext): SparseVector {
  const out = new Map<number, number>();
  const text = new Map<string, number>();
  for (const g of textGrams(`${item.title} ${item.description}`)) bump(text, g, 1);
  for (const [k, v] of text) text.set(k, Math.log1p(v));
  addBlock(out, text, ctx.blocks.text, ctx.hashBits);
  if (item.brand) addBlock(out, new Map([[`brand:${item.brand.toLowerCase()}`, 1]]), ctx.blocks.brand, ctx.hashBits);
  const ids = new Map<string, number>();
  const labels = new Map<string, number>();
  for (const n of ctx.neighbours.get(item.id) ?? []) {
    bump(ids, `n:${n.id}`, n.weight);
    const known = ctx.labels.get(n.id);
    if (known?.category) bump(labels, `nc:${known.category}`, n.weight);
    for (const t of known?.tags ?? []) bump(labels, `nt:${t}`, n.weight);
  }
  addBlock(out, ids, ctx.blocks.neighbourIds, ctx.hashBits);
  addBlock(out, labels, ctx.blocks.neighbourLabels, ctx.hashBits);
  const emb = ctx.embeddings?.get(item.id);
  if (emb) addBlock(out, new Map(Array.from(emb, (v, j) => [`e:${j}`, v] as const)), ctx.blocks.embedding, ctx.hashBits);
  return { keys: [...out.keys()], values: [...out.values()] };
}
