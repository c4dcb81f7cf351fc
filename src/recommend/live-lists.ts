import type { ItemTable } from './item-table.js';

const DAY_MS = 86_400_000;
const TRENDING_KEPT = 200;
const NEW_KEPT = 50;

/**
 * The k largest values' indexes, best first (ties: lower index), skipping `skip(i)`. Keeps a sorted
 * buffer of k, so it is O(n) for the usual case where few values enter it.
 */
export function topIndices(values: ArrayLike<number>, n: number, k: number, skip: (i: number) => boolean): number[] {
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!(v > Number.NEGATIVE_INFINITY) || (idx.length === k && v <= val[k - 1]) || skip(i)) continue;
    let at = idx.length === k ? k - 1 : idx.length;
    while (at > 0 && val[at - 1] < v) {
      idx[at] = idx[at - 1];
      val[at] = val[at - 1];
      at--;
    }
    idx[at] = i;
    val[at] = v;
  }
  return idx;
}

/** Trending and newest items, recomputed from the table when it has changed (at most every `maxStaleMs`). */
export class LiveLists {
  private version = -1;
  private computedAtMs = 0;
  private trendingList: number[] = [];
  private newestList: number[] = [];

  constructor(
    private readonly table: ItemTable,
    private readonly options: { newItemDays: number; maxStaleMs: number; clock?: () => number },
  ) {}

  /** Item indexes by decayed trending score, best first (available items with any recent behaviour). */
  trending(): readonly number[] {
    this.refresh();
    return this.trendingList;
  }

  /** Items created within `newItemDays`, newest first. */
  newest(): readonly number[] {
    this.refresh();
    return this.newestList;
  }

  private refresh(): void {
    const now = Date.now();
    if (this.version === this.table.version || (this.version >= 0 && now - this.computedAtMs < this.options.maxStaleMs)) return;
    const t = this.table;
    const unavailable = (i: number) => t.unavailable[i] === 1;
    this.trendingList = topIndices(t.trend, t.size, TRENDING_KEPT, (i) => unavailable(i) || t.trend[i] <= 0);
    const since = (this.options.clock ?? Date.now)() - this.options.newItemDays * DAY_MS;
    this.newestList =
      this.options.newItemDays > 0 ? topIndices(t.createdAt, t.size, NEW_KEPT, (i) => unavailable(i) || !(t.createdAt[i] >= since)) : [];
    this.version = t.version;
    this.computedAtMs = now;
  }
}
