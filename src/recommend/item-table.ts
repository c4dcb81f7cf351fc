import { yieldToLoop, type Item } from '../core/index.js';

/** Category id of items without a category. */
export const NO_CATEGORY = -1;

const INITIAL_CAPACITY = 1024;
/** Items a reorder handles between hand-backs of the thread (a few milliseconds of work). */
const REORDER_CHUNK = 4096;

function grown<T extends Float64Array | Float32Array | Int32Array | Uint8Array>(a: T, capacity: number, fill = 0): T {
  const Ctor = a.constructor as new (n: number) => T;
  const b = new Ctor(capacity);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

/**
 * The catalogue as the pipeline reads it: dense item indexes with typed arrays, so a request touches no
 * per-item objects. Indexes below `nModelItems` of a snapshot are the model's items in the model's
 * order; items added later (new products, ids first seen in events) are appended. Kept current from the
 * change feed (availability, titles, categories) and by live events (trending).
 */
export class ItemTable {
  readonly ids: string[];
  readonly indexOf: Map<string, number>;
  readonly titles: string[];
  /** Category keys ("Top > Sub"), their last element for reasons, and their path elements for filters. */
  readonly categories: string[];
  readonly categoryLeaf: string[];
  readonly categoryParts: string[][];
  readonly categoryIndex: Map<string, number>;
  category = new Int32Array(INITIAL_CAPACITY).fill(NO_CATEGORY);
  /** 1 = never recommend: out of stock or deleted. */
  unavailable = new Uint8Array(INITIAL_CAPACITY);
  /** 1 = the item exists (a catalogue record or seen in events); 0 after deletion. */
  exists = new Uint8Array(INITIAL_CAPACITY);
  createdAt = new Float64Array(INITIAL_CAPACITY).fill(Number.NaN);
  /** Business boost from `attributes.boost` (number, clamped to [-1, 1]), added to the ranking score. */
  boost = new Float32Array(INITIAL_CAPACITY);
  /** Decayed behaviour-weighted event counts in units of exp((t - trendRefMs) / tau). */
  trend = new Float64Array(INITIAL_CAPACITY);
  trendRefMs = 0;
  /** Bumped on every change, so cached lists (trending, new items) know when to recompute. */
  version = 0;

  /**
   * An empty table, or a copy of `of` as it is now (independent of it); `indexOf`, when given, is the copy's
   * index, built by the caller from the same ids (see reordered).
   */
  constructor(
    readonly trendHalfLifeMs: number,
    of?: ItemTable,
    indexOf?: Map<string, number>,
  ) {
    this.ids = of ? of.ids.slice() : [];
    this.indexOf = indexOf ?? new Map(of?.indexOf);
    this.titles = of ? of.titles.slice() : [];
    this.categories = of ? of.categories.slice() : [];
    this.categoryLeaf = of ? of.categoryLeaf.slice() : [];
    this.categoryParts = of ? of.categoryParts.map((p) => p.slice()) : [];
    this.categoryIndex = new Map(of?.categoryIndex);
    if (!of) return;
    this.category = of.category.slice();
    this.unavailable = of.unavailable.slice();
    this.exists = of.exists.slice();
    this.createdAt = of.createdAt.slice();
    this.boost = of.boost.slice();
    this.trend = of.trend.slice();
    this.trendRefMs = of.trendRefMs;
    this.version = of.version + 1;
  }

  get size(): number {
    return this.ids.length;
  }

  /** The index of an id, adding an item without catalogue data when it is new. */
  ensure(id: string): number {
    let index = this.indexOf.get(id);
    if (index !== undefined) return index;
    index = this.ids.length;
    if (index === this.category.length) this.grow(2 * index);
    this.ids.push(id);
    this.titles.push('');
    this.indexOf.set(id, index);
    this.exists[index] = 1;
    this.version++;
    return index;
  }

  /** Creates or replaces an item's catalogue data. */
  upsert(item: Item): number {
    const index = this.ensure(item.id);
    this.titles[index] = item.title;
    this.category[index] = this.categoryId(item.categoryPath);
    this.unavailable[index] = item.available ? 0 : 1;
    this.exists[index] = 1;
    this.createdAt[index] = item.createdAt;
    const boost = item.attributes.boost;
    this.boost[index] = typeof boost === 'number' && Number.isFinite(boost) ? Math.max(-1, Math.min(1, boost)) : 0;
    this.version++;
    return index;
  }

  /** Marks a deleted item: never recommended, and unknown to the item routes. */
  remove(id: string): void {
    const index = this.indexOf.get(id);
    if (index === undefined) return;
    this.exists[index] = 0;
    this.unavailable[index] = 1;
    this.version++;
  }

  /** The index of an existing item, or undefined. */
  find(id: string): number | undefined {
    const index = this.indexOf.get(id);
    return index !== undefined && this.exists[index] === 1 ? index : undefined;
  }

  /** Adds behaviour weight to an item's trending counter at an event time (exponential decay). */
  addTrend(index: number, weight: number, timeMs: number): void {
    const tau = this.trendHalfLifeMs / Math.LN2;
    if (this.trendRefMs === 0) this.trendRefMs = timeMs;
    let exponent = (timeMs - this.trendRefMs) / tau;
    if (exponent > 30) {
      // Rebase before exp() overflows: every counter is scaled by the same factor, so the order holds.
      const scale = Math.exp(-exponent);
      for (let i = 0; i < this.ids.length; i++) this.trend[i] *= scale;
      this.trendRefMs = timeMs;
      exponent = 0;
    }
    this.trend[index] += weight * Math.exp(Math.max(-700, exponent));
    this.version++;
  }

  /** The category key of an item, or null. */
  categoryOf(index: number): string | null {
    const c = this.category[index];
    return c === NO_CATEGORY ? null : this.categories[c];
  }

  /**
   * A copy of this table with `first` at the front in that order (a new model's items) and every other
   * item after them in its current order; `from[j]` is the old index of new index j, -1 for an id only
   * `first` has. Catalogue data and trend counters move with their items.
   *
   * It runs on the request thread of a serving process (a version swap), so it hands the thread back every
   * `REORDER_CHUNK` items. The copy is of the table as it was when called: its arrays are copied at once,
   * and changes made while it runs are not in it (the caller replays them, as SnapshotManager does).
   */
  async reordered(first: readonly string[]): Promise<{ table: ItemTable; from: Int32Array }> {
    const n = this.size;
    if (this.startsWith(first)) {
      // The same order (a new version of the same catalogue): copy the arrays, and index the copy's ids.
      const index = new Map<string, number>();
      const table = new ItemTable(this.trendHalfLifeMs, this, index);
      for (let i = 0; i < n; i++) {
        index.set(table.ids[i], i);
        if (i % REORDER_CHUNK === REORDER_CHUNK - 1) await yieldToLoop();
      }
      return { table, from: Int32Array.from({ length: n }, (_, i) => i) };
    }
    const now = new ItemTable(this.trendHalfLifeMs, this, this.indexOf); // this table as it is now; the index is only read
    const table = new ItemTable(this.trendHalfLifeMs);
    // One await per chunk, not per item: an await costs a microtask even when nothing waits.
    let done = 0;
    for (const id of [first, now.ids].flat()) {
      table.ensure(id);
      if (++done % REORDER_CHUNK === 0) await yieldToLoop();
    }
    table.trendRefMs = now.trendRefMs;
    // Category ids of `now` → the new table's, each looked up once rather than once per item.
    const categoryTo = Int32Array.from(now.categoryParts, (parts) => table.categoryId(parts));
    const from = new Int32Array(table.size).fill(-1);
    for (let j = 0; j < table.size; j++) {
      if (j % REORDER_CHUNK === REORDER_CHUNK - 1) await yieldToLoop();
      const i = now.indexOf.get(table.ids[j]);
      if (i === undefined || i >= n) continue; // only `first` has it (or it came after the copy)
      from[j] = i;
      table.titles[j] = now.titles[i];
      table.category[j] = now.category[i] === NO_CATEGORY ? NO_CATEGORY : categoryTo[now.category[i]];
      table.unavailable[j] = now.unavailable[i];
      table.exists[j] = now.exists[i];
      table.createdAt[j] = now.createdAt[i];
      table.boost[j] = now.boost[i];
      table.trend[j] = now.trend[i];
    }
    table.version++;
    return { table, from };
  }

  /** True when `first` is this table's first items in this order. */
  private startsWith(first: readonly string[]): boolean {
    if (first.length > this.ids.length) return false;
    for (let i = 0; i < first.length; i++) if (first[i] !== this.ids[i]) return false;
    return true;
  }

  /**
   * Takes the trending counters of `other` (the live table this one replaces) for the items both have;
   * the others keep theirs, rescaled to the same reference time.
   */
  takeTrendsFrom(other: ItemTable): void {
    if (other.trendRefMs === 0) return;
    const tau = this.trendHalfLifeMs / Math.LN2;
    const scale = this.trendRefMs === 0 ? 0 : Math.exp(Math.max(-700, (this.trendRefMs - other.trendRefMs) / tau));
    for (let j = 0; j < this.ids.length; j++) {
      const i = other.indexOf.get(this.ids[j]);
      this.trend[j] = i !== undefined ? other.trend[i] : this.trend[j] * scale;
    }
    this.trendRefMs = other.trendRefMs;
    this.version++;
  }

  private categoryId(path: readonly string[]): number {
    if (path.length === 0) return NO_CATEGORY;
    const key = path.join(' > ');
    let id = this.categoryIndex.get(key);
    if (id === undefined) {
      id = this.categories.length;
      this.categories.push(key);
      this.categoryLeaf.push(path[path.length - 1]);
      this.categoryParts.push([...path]);
      this.categoryIndex.set(key, id);
    }
    return id;
  }

  private grow(capacity: number): void {
    this.category = grown(this.category, capacity, NO_CATEGORY);
    this.unavailable = grown(this.unavailable, capacity);
    this.exists = grown(this.exists, capacity);
    this.createdAt = grown(this.createdAt, capacity, Number.NaN);
    this.boost = grown(this.boost, capacity);
    this.trend = grown(this.trend, capacity);
  }
}

/**
 * Per category id: 1 when the category matches a filter. A filter matches a category whose key equals
 * it, starts with it ("Groceries" matches "Groceries > Tea"), or has it as one path element ("Tea").
 */
export function categoryFilterMask(table: ItemTable, filter: string): Uint8Array {
  const mask = new Uint8Array(table.categories.length);
  const wanted = filter.trim().toLowerCase();
  table.categories.forEach((key, c) => {
    const lower = key.toLowerCase();
    if (lower === wanted || lower.startsWith(`${wanted} > `) || table.categoryParts[c].some((p) => p.toLowerCase() === wanted)) mask[c] = 1;
  });
  return mask;
}
