import { itemAttributeNames } from '../data/index.js';
import { isSequentialRecommender, type Recommender, type SequentialRecommender } from '../models/index.js';
import { fitVisualProjection, type VisualProjection } from '../pictures/index.js';
import { NO_CATEGORY, type ItemTable } from './item-table.js';

/**
 * Cold items (table indexes beyond the model's) looked at: the newest this many. Every table change (each
 * event moves the trend counters) costs the next request a pass over them, and a catalogue that has
 * outgrown its model by more than this is due a training that gives the items rows of their own; until
 * then the older ones are left to co-visitation and the lists.
 */
export const MAX_COLD_ITEMS = 5_000;

/** A model that scores items it never trained on from their attribute names (curio-seq). */
export type ColdCapableModel = SequentialRecommender & Required<Pick<SequentialRecommender, 'coldItemVectors'>>;

export function hasColdItemVectors(model: Recommender | null): model is ColdCapableModel {
  return model !== null && isSequentialRecommender(model) && typeof model.coldItemVectors === 'function';
}

/** The item pictures' visual embeddings, as the picture catalogue keeps them (src/recommend/picture-catalogue.ts). */
export interface ColdPictureSource {
  /** Moves whenever an item's visual embedding is set or removed. */
  readonly version: number;
  /** The item's unit visual embedding, or null. */
  visualOf(itemId: string): Float32Array | null;
}

/** One request's scores of the cold items, from its user vector. */
export interface ColdScores {
  /** The model score of a table item beyond the model, or NaN when the model knows none of its attributes (or it is not looked at). */
  scoreOf(index: number): number;
  /** Up to k cold items scoring at least `threshold` that `allows` lets through, best first (lower index first within a category). */
  best(k: number, threshold: number, allows: (index: number) => boolean): Int32Array;
}

/**
 * The output-space vectors of a snapshot's cold items. A store item's attribute names are its category
 * path's prefixes (itemAttributeNames), so the vector is one per category: computed once per category
 * the first time a cold item has it. The scorable cold items, grouped by category, are brought up to date
 * when the table's `version` moved and an item's category, existence or stock did; a request only takes
 * one dot product per category among them.
 */
export class ColdItems {
  /** Per category id: its vector, or null when the model knows none of its attribute names. */
  private readonly byCategory: Array<Float32Array | null> = [];
  private version = -1;
  /** The table size and, per looked-at cold item, its key (see `keyOf`) when the groups were built. */
  private builtSize = -1;
  private keys = new Int32Array(0);
  /** Scorable cold items (existing, available, with a known attribute) by category: group g is `items[groupStart[g]..groupStart[g + 1])`, by index. */
  private items = new Int32Array(0);
  private groupStart = new Int32Array(1);
  /** Row-major [groups, dim]: each group's category vector; and each category id's group (-1: none). */
  private vectors = new Float32Array(0);
  private groupOfCategory = new Int32Array(0);
  /** This request's score and rank order per group (requests score synchronously, one at a time, like the snapshot's scratch). */
  private groupScores = new Float64Array(0);
  private order: number[] = [];
  private embeddings: Float32Array | null = null;
  /** Item pictures: a cold item with one gets its own vector, projected from its look (src/pictures/projection.ts). */
  private pictures: ColdPictureSource | null = null;
  private picturesVersion = -1;
  /** Fitted once per snapshot on the model items with a picture; null when too few have one. */
  private projection: VisualProjection | null | undefined = undefined;
  /** Per category id: the mean projection of its model items with a picture (taken off a cold item's). */
  private projectionMean = new Map<number, Float32Array>();
  /** Per table index of a cold item scored from its picture: its group. */
  private groupOfItem = new Map<number, number>();

  constructor(
    readonly model: ColdCapableModel,
    readonly nModelItems: number,
    private readonly table: ItemTable,
  ) {}

  /** How many cold items can be scored (after bringing the groups up to date with the table). */
  get count(): number {
    this.refresh();
    return this.items.length;
  }

  /**
   * Scores cold items with a picture from it from now on (the runtime attaches its catalogue to each
   * snapshot it serves): through a projection of their look into the model's item space.
   */
  usePictures(source: ColdPictureSource | null): void {
    if (source === this.pictures) return;
    this.pictures = source;
    this.projection = undefined;
    this.version = -1;
    this.builtSize = -1;
  }

  /** The output-space vector of a table item beyond the model, or null (a model item, or no picture nor known attribute). */
  vectorOf(index: number): Float32Array | null {
    const t = this.table;
    if (index < this.nModelItems || index >= t.size) return null;
    const projected = this.projectedOf(index);
    if (projected) return projected;
    if (t.category[index] === NO_CATEGORY) return null;
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
    const { vectors: v, groupScores, items, groupStart, groupOfCategory, groupOfItem, table, nModelItems, order } = this;
    for (let g = 0; g < groupScores.length; g++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += h[d] * v[g * dim + d];
      // Stored as the model's own scores are (Float32Array), so equal vectors compare equal across kinds.
      groupScores[g] = Math.fround(s);
    }
    order.sort((a, b) => groupScores[b] - groupScores[a] || items[groupStart[a]] - items[groupStart[b]]);
    return {
      scoreOf(index) {
        if (index < nModelItems || index >= table.size) return Number.NaN;
        const own = groupOfItem.size > 0 ? groupOfItem.get(index) : undefined;
        if (own !== undefined) return groupScores[own];
        const c = table.category[index];
        const g = c === NO_CATEGORY || c >= groupOfCategory.length ? -1 : groupOfCategory[c];
        return g < 0 ? Number.NaN : groupScores[g];
      },
      best(k, threshold, allows) {
        const out: number[] = [];
        for (const g of order) {
          if (out.length >= k || !(groupScores[g] >= threshold)) break;
          for (let p = groupStart[g]; p < groupStart[g + 1] && out.length < k; p++) if (allows(items[p])) out.push(items[p]);
        }
        return Int32Array.from(out);
      },
    };
  }

  /** A cold item's category id when it can be scored (existing, available), else -1. */
  private keyOf(i: number): number {
    const t = this.table;
    return t.exists[i] === 1 && t.unavailable[i] === 0 ? t.category[i] : NO_CATEGORY;
  }

  /**
   * Rebuilds the groups when the table changed since the last time in a way that matters here. Every
   * trend change bumps the version too, so the check is a pass over the looked-at items' keys.
   */
  private refresh(): void {
    const t = this.table;
    const pictures = this.pictures;
    if (t.version === this.version && (!pictures || pictures.version === this.picturesVersion)) return;
    this.version = t.version;
    const first = Math.max(this.nModelItems, t.size - MAX_COLD_ITEMS);
    // A picture set or removed changes which items have a vector of their own: rebuild the groups.
    if (pictures && pictures.version !== this.picturesVersion) {
      this.picturesVersion = pictures.version;
      this.builtSize = -1;
    }
    if (t.size === this.builtSize) {
      let same = true;
      for (let i = first; i < t.size && same; i++) same = this.keyOf(i) === this.keys[i - first];
      if (same) return;
    }
    this.builtSize = t.size;
    this.keys = new Int32Array(t.size - first);
    for (let i = first; i < t.size; i++) this.keys[i - first] = this.keyOf(i);
    this.vectorsFor(Array.from(this.keys).filter((c) => c !== NO_CATEGORY));
    // Keys of the groups: a category id, or -(2 + index) for an item with a projected picture vector of its own.
    const byGroup = new Map<number, number[]>();
    const own = new Map<number, Float32Array>();
    for (let i = first; i < t.size; i++) {
      const projected = t.exists[i] === 1 && t.unavailable[i] === 0 ? this.projectedOf(i) : null;
      if (projected) {
        own.set(-2 - i, projected);
        byGroup.set(-2 - i, [i]);
        continue;
      }
      const c = this.keys[i - first];
      if (c === NO_CATEGORY || !this.byCategory[c]) continue;
      const list = byGroup.get(c);
      if (list) list.push(i);
      else byGroup.set(c, [i]);
    }
    const dim = this.model.embeddingDim;
    this.groupOfCategory = new Int32Array(t.categories.length).fill(-1);
    this.groupOfItem = new Map();
    this.groupStart = new Int32Array(byGroup.size + 1);
    this.vectors = new Float32Array(byGroup.size * dim);
    const items: number[] = [];
    let g = 0;
    for (const [c, list] of byGroup) {
      if (c >= 0) this.groupOfCategory[c] = g;
      else this.groupOfItem.set(list[0], g);
      this.vectors.set(c >= 0 ? this.byCategory[c]! : own.get(c)!, g * dim);
      items.push(...list);
      this.groupStart[++g] = items.length;
    }
    this.items = Int32Array.from(items);
    this.groupScores = new Float64Array(byGroup.size);
    this.order = Array.from({ length: byGroup.size }, (_, k) => k);
  }

  /**
   * A cold item's vector from its picture, or null (no pictures, no picture of it, or no projection): its
   * category's vector plus what its look adds (the projection of its visual embedding).
   */
  private projectedOf(index: number): Float32Array | null {
    const pictures = this.pictures;
    if (!pictures) return null;
    const visual = pictures.visualOf(this.table.ids[index]);
    if (!visual) return null;
    this.projection ??= this.fitProjection(visual.length);
    if (!this.projection || this.projection.visualDim !== visual.length) return null;
    const out = this.projection.project(visual);
    const base = this.categoryVectorOf(index);
    const mean = this.projectionMean.get(this.table.category[index]);
    if (base) for (let d = 0; d < out.length; d++) out[d] += base[d];
    if (mean) for (let d = 0; d < out.length; d++) out[d] -= mean[d];
    return out;
  }

  /** The attribute (category) vector of a table item, or null. */
  private categoryVectorOf(index: number): Float32Array | null {
    const c = this.table.category[index];
    if (c === NO_CATEGORY) return null;
    this.vectorsFor([c]);
    return this.byCategory[c] ?? null;
  }

  /**
   * The ridge map from looks to what the model's item vectors hold beyond their category's vector (the
   * whole vector for an item whose category it does not know), fitted on the model items with a picture.
   * Learning the residual keeps what the category already says, and spends the pictures on the rest: which
   * look within the category a shopper goes for.
   */
  private fitProjection(visualDim: number): VisualProjection | null {
    const pictures = this.pictures as ColdPictureSource;
    this.embeddings ??= this.model.itemEmbeddings();
    const dim = this.model.embeddingDim;
    const rows: number[] = [];
    const visual: number[] = [];
    for (let j = 0; j < this.nModelItems; j++) {
      const v = pictures.visualOf(this.table.ids[j]);
      if (!v || v.length !== visualDim) continue;
      rows.push(j);
      for (let d = 0; d < visualDim; d++) visual.push(v[d]);
    }
    const t = this.table;
    this.vectorsFor(rows.map((j) => t.category[j]).filter((c) => c !== NO_CATEGORY));
    const model = new Float32Array(rows.length * dim);
    rows.forEach((j, r) => {
      const base = this.categoryVectorOf(j);
      for (let d = 0; d < dim; d++) model[r * dim + d] = this.embeddings![j * dim + d] - (base ? base[d] : 0);
    });
    const projection = fitVisualProjection({ visual: Float32Array.from(visual), model, count: rows.length, visualDim, modelDim: dim });
    // Each category's mean projection is taken off its cold items' (projectedOf): the pictures reorder the
    // items within a category and leave the category's score, which its vector already gives, as it was.
    this.projectionMean = new Map();
    const counts = new Map<number, number>();
    if (projection) {
      rows.forEach((j, r) => {
        const c = t.category[j];
        if (c === NO_CATEGORY) return;
        const p = projection.project(Float32Array.from(visual.slice(r * visualDim, (r + 1) * visualDim)));
        const sum = this.projectionMean.get(c) ?? new Float32Array(dim);
        for (let d = 0; d < dim; d++) sum[d] += p[d];
        this.projectionMean.set(c, sum);
        counts.set(c, (counts.get(c) ?? 0) + 1);
      });
      for (const [c, sum] of this.projectionMean) for (let d = 0; d < dim; d++) sum[d] /= counts.get(c)!;
    }
    return projection;
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
