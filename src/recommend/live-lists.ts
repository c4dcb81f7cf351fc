import type { ItemTable } from './item-table.js';
import type { ItemRelease } from './published-counts.js';

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

export interface LiveListsOptions {
  newItemDays: number;
  maxStaleMs: number;
  clock?: () => number;
  /** The published item counts (k-anonymity, differential privacy) that gate and may rank trending; none: ungated. */
  release?: () => ItemRelease | null;
  /** Whether an item may trend now (its release, or its live audience under exact counts); default: all may. */
  trendingAllowed?: (itemId: string) => boolean;
}

/**
 * Trending and newest items, recomputed from the table when it has changed (at most every `maxStaleMs`) or
 * a new release of the published item counts arrived.
 */
export class LiveLists {
  private version = -1;
  private computedAtMs = 0;
  private releaseSeen: ItemRelease | null = null;
  private trendingList: number[] = [];
  /** Under ε, each trending item's noised audience relative to the best: what the list may say of it. */
  private trendingScores: Map<number, number> | null = null;
  private newestList: number[] = [];

  constructor(
    private readonly table: ItemTable,
    private readonly options: LiveListsOptions,
  ) {}

  /**
   * Item indexes by decayed trending score, best first (available items with any recent behaviour); with a
   * release, only items whose published audience reaches `privacy.minGroupSize`, and under ε ranked by their
   * noised audience instead (the live scores are exact: they would undo the noise).
   */
  trending(): readonly number[] {
    this.refresh();
    return this.trendingList;
  }

  /** A trending item's score in [0, 1] relative to the first: its live trend, or under ε its noised audience. */
  trendingScore(index: number): number {
    this.refresh();
    if (this.trendingScores) return this.trendingScores.get(index) ?? 0;
    const best = this.trendingList.length > 0 ? this.table.trend[this.trendingList[0]] : 1;
    return this.table.trend[index] / best;
  }

  /** Items created within `newItemDays`, newest first. */
  newest(): readonly number[] {
    this.refresh();
    return this.newestList;
  }

  private refresh(): void {
    const now = Date.now();
    const release = this.options.release?.() ?? null;
    const fresh = this.version === this.table.version || (this.version >= 0 && now - this.computedAtMs < this.options.maxStaleMs);
    if (fresh && release === this.releaseSeen) return;
    const t = this.table;
    const unavailable = (i: number) => t.unavailable[i] === 1;
    this.trendingScores = null;
    const ranked = release?.trending.ranked;
    if (ranked) {
      this.trendingList = [];
      this.trendingScores = new Map();
      const best = ranked[0]?.count ?? 1;
      for (const { item, count } of ranked) {
        if (this.trendingList.length >= TRENDING_KEPT) break;
        const i = t.find(item);
        if (i === undefined || unavailable(i)) continue;
        this.trendingList.push(i);
        this.trendingScores.set(i, count / best);
      }
    } else {
      const allowed = this.options.trendingAllowed;
      const gated = release && allowed ? (i: number) => !allowed(t.ids[i]) : () => false;
      this.trendingList = topIndices(t.trend, t.size, TRENDING_KEPT, (i) => unavailable(i) || t.trend[i] <= 0 || gated(i));
    }
    this.releaseSeen = release;
    const since = (this.options.clock ?? Date.now)() - this.options.newItemDays * DAY_MS;
    this.newestList =
      this.options.newItemDays > 0 ? topIndices(t.createdAt, t.size, NEW_KEPT, (i) => unavailable(i) || !(t.createdAt[i] >= since)) : [];
    this.version = t.version;
    this.computedAtMs = now;
  }
}
