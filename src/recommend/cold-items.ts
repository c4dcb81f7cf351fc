import { itemAttributeNames } from '../data/index.js';
import { BestK, isSequentialRecommender, type Recommender, type SequentialRecommender } from '../models/index.js';
import { NO_CATEGORY, type ItemTable } from './item-table.js';

/**
 * Cold items (table indexes beyond the model's) looked at per request: the newest this many. A request
 * walks them once, and a catalogue that has outgrown its model by more than this is due a training that
 * gives the items rows of their own; until then the older ones are left to co-visitation and the lists.
 */
export const MAX_COLD_ITEMS = 5_000;

/** A model that scores items it never trained on from their attribute names (curio-seq). */
export type ColdCapableModel = SequentialRecommender & Required<Pick<SequentialRecommender, 'coldItemVectors'>>;

export function hasColdItemVectors(model: Recommender | null): model is ColdCapableModel {
  return model !== null && isSequentialRecommender(model) && typeof model.coldItemVectors === 'function';
}

/** One request's scores of the cold items, from its user vector. */
export interface ColdScores {
  /** The model score of a table item beyond the model, or NaN when its attributes are unknown to the model. */
  scoreOf(index: number): number;
  /** Up to k cold items scoring at least `threshold` that `allows` lets through, best first (ties: lower index). */
  best(k: number, threshold: number, allows: (index: number) => boolean): Int32Array;
}

/**
 * The output-space vectors of a snapshot's cold items. A store item's attribute names are its category
 * path's prefixes (itemAttributeNames), so the vector is one per category: computed once per category
 * the first time a cold item has it, and the list of scorable cold items is rebuilt only when the table
 * changed (its `version`), so a request does neither.
 */
export class ColdItems {
  /** Per category id: its vector, or null when the model knows none of its attribute names. */
  private readonly byCategory: Array<Float32Array | null> = [];
  private version = -1;
  /** Scorable cold items (existing, available, with a known attribute), newest first, and their row in `vectors`. */
  private items = new Int32Array(0);
  private itemRows = new Int32Array(0);
  /** Row-major [categories of `items`, dim], and each category id's row there (-1: none). */
  private vectors = new Float32Array(0);
  private rowOfCategory = new Int32Array(0);
  /** This request's score per row (requests score synchronously, one at a time, like the snapshot's scratch). */
  private rowScores = new Float64Array(0);
  private embeddings: Float32Array | null = null;

  constructor(
    readonly model: ColdCapableModel,
    readonly nModelItems: number,
    private readonly table: ItemTable,
  ) {}

  /** How many cold items can be scored (after bringing the lists up to date with the table). */
  get count(): number {
    this.refresh();
    return this.items.length;
  }

  /** The output-space vector of a table item beyond the model, or null (a model item, or no known attribute). */
  vectorOf(index: number): Float32Array | null {
    const t = this.table;
    if (index < this.nModelItems || index >= t.size || t.category[index] === NO_CATEGORY) return null;
    this.vectorsFor([t.category[index]]);
    return this.byCategory[t.category[index]] ?? null;
  }

  /**
   * The model's scores of its own items for a user vector, into `out`: the dot products with its item
   * embeddings that `scoreAll` computes, so one forward pass (`userVector`) serves both kinds of item.
   */
  scoreModelItems(h: Float32Array, out: Float32Array): Float32Array {
    this.embeddings ??= this.model.itemEmbeddings();
    const e = this.embeddings;
    const dim = h.length;
    for (let j = 0; j < this.nModelItems; j++) {
      let s = 0;
      const o = j * dim;
      for (let d = 0; d < dim; d++) s += h[d] * e[o + d];
      out[j] = s;
    }
    return out;
  }

  /** Scores every scorable cold item for a user vector: one dot product per category among them. */
  score(h: Float32Array): ColdScores {
    this.refresh();
    const dim = h.length;
    const v = this.vectors;
    const rowScores = this.rowScores;
    for (let r = 0; r < rowScores.length; r++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += h[d] * v[r * dim + d];
      rowScores[r] = Math.fround(s);
    }
    const { items, itemRows, rowOfCategory, table, nModelItems } = this;
    return {
      scoreOf(index) {
        if (index < nModelItems || index >= table.size) return Number.NaN;
        const c = table.category[index];
        const r = c === NO_CATEGORY || c >= rowOfCategory.length ? -1 : rowOfCategory[c];
        return r < 0 ? Number.NaN : rowScores[r];
      },
      best(k, threshold, allows) {
        const top = new BestK(k);
        for (let p = 0; p < items.length; p++) {
          const s = rowScores[itemRows[p]];
          if (s >= threshold && s >= top.threshold && allows(items[p])) top.offer(items[p], s);
        }
        return top.sorted();
      },
    };
  }

  /** Rebuilds the scorable list when the table changed since the last time (any catalogue or trend change bumps it). */
  private refresh(): void {
    const t = this.table;
    if (t.version === this.version) return;
    this.version = t.version;
    const picked: number[] = [];
    const end = Math.max(this.nModelItems, t.size - MAX_COLD_ITEMS);
    for (let i = t.size - 1; i >= end; i--) {
      if (t.exists[i] === 1 && t.unavailable[i] === 0 && t.category[i] !== NO_CATEGORY) picked.push(i);
    }
    this.vectorsFor(picked.map((i) => t.category[i]));
    const dim = this.model.embeddingDim;
    const rowOfCategory = new Int32Array(t.categories.length).fill(-1);
    const rows: Float32Array[] = [];
    const items: number[] = [];
    const itemRows: number[] = [];
    for (const i of picked) {
      const c = t.category[i];
      const vector = this.byCategory[c];
      if (!vector) continue;
      if (rowOfCategory[c] < 0) rowOfCategory[c] = rows.push(vector) - 1;
      items.push(i);
      itemRows.push(rowOfCategory[c]);
    }
    this.items = Int32Array.from(items);
    this.itemRows = Int32Array.from(itemRows);
    this.rowOfCategory = rowOfCategory;
    this.vectors = new Float32Array(rows.length * dim);
    rows.forEach((vector, r) => this.vectors.set(vector, r * dim));
    this.rowScores = new Float64Array(rows.length);
  }

  /** Computes the vectors of the categories not seen before, in one call to the model. */
  private vectorsFor(categories: readonly number[]): void {
    const t = this.table;
    const missing = [...new Set(categories)].filter((c) => this.byCategory[c] === undefined);
    if (missing.length === 0) return;
    // The names exactly as the training dataset made them from a store item's category path.
    const vectors = this.model.coldItemVectors(missing.map((c) => itemAttributeNames({ categoryPath: t.categoryParts[c] })));
    const dim = this.model.embeddingDim;
    missing.forEach((c, k) => {
      const vector = vectors.slice(k * dim, (k + 1) * dim);
      // Unknown names contribute nothing: an all-zero vector means no known attribute, and no score rather than 0.
      this.byCategory[c] = vector.some((x) => x !== 0) ? vector : null;
    });
  }
}

/** The cold items of a snapshot whose model can score them, or null. */
export function coldItemsFor(model: Recommender | null, nModelItems: number, table: ItemTable): ColdItems | null {
  return hasColdItemVectors(model) ? new ColdItems(model, nModelItems, table) : null;
}
