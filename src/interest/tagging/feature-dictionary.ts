import type { SparseRow } from '../../models/index.js';
import type { SparseVector } from './features.js';

/** Maps hashed buckets seen often enough in training to dense columns; unseen buckets are dropped. */
export class FeatureDictionary {
  private readonly columns = new Map<number, number>();

  /** Keeps buckets seen in at least `minCount` training vectors, at most `maxFeatures` (most frequent first). */
  constructor(vectors: readonly SparseVector[], options: { minCount: number; maxFeatures: number }) {
    const counts = new Map<number, number>();
    for (const v of vectors) for (const k of v.keys) counts.set(k, (counts.get(k) ?? 0) + 1);
    const kept = [...counts].filter(([, c]) => c >= options.minCount).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    kept.slice(0, options.maxFeatures).forEach(([k], i) => this.columns.set(k, i));
  }

  get size(): number {
    return this.columns.size;
  }

  /** The vector over this dictionary's columns. */
  compact(v: SparseVector): SparseRow {
    const cols: number[] = [];
    const values: number[] = [];
    v.keys.forEach((k, i) => {
      const c = this.columns.get(k);
      if (c === undefined) return;
      cols.push(c);
      values.push(v.values[i]);
    });
    return { cols: Int32Array.from(cols), values: Float32Array.from(values) };
  }
}
