import { createRng, type Item } from '../../core/index.js';
import { round } from '../math/distribution.js';
import { kmeans, kmeansBySilhouette, type Points } from '../math/kmeans.js';

export interface InterestCluster {
  /** Readable: top category, then up to two top tags. */
  label: string;
  topCategory: string | null;
  topTags: string[];
  /** Part of the user's positive item weight in this cluster (shares sum to 1 over clusters). */
  share: number;
  /** The cluster's items, heaviest first (at most 10). */
  itemIds: string[];
}

export interface InterestClustersOptions {
  /** Positive weight per item (e.g. `InterestProfile.itemWeights()`); others are ignored. */
  itemWeights: ReadonlyMap<string, number>;
  items: ReadonlyMap<string, Item>;
  embeddings: ReadonlyMap<string, Float32Array>;
  /** Most clusters. Default 4. */
  maxK?: number;
  /** Below this best silhouette the user has one interest. Default 0.1. */
  minSilhouette?: number;
  seed?: number;
}

export interface InterestClusters {
  clusters: InterestCluster[];
  silhouette: number;
  /** Share of item weight whose items had no embedding (left out of clustering). */
  unembeddedShare: number;
}

/** Multi-interest clusters: weighted k-means over the user's item embeddings, k by silhouette. */
export function interestClusters(options: InterestClustersOptions): InterestClusters {
  const ids: string[] = [];
  const w: number[] = [];
  let missing = 0;
  let total = 0;
  for (const [id, weight] of options.itemWeights) {
    if (weight <= 0) continue;
    total += weight;
    if (options.embeddings.has(id)) {
      ids.push(id);
      w.push(weight);
    } else missing += weight;
  }
  if (ids.length === 0) return { clusters: [], silhouette: 0, unembeddedShare: total > 0 ? 1 : 0 };
  const dims = options.embeddings.get(ids[0])!.length;
  const p: Points = { data: new Float64Array(ids.length * dims), rows: ids.length, dims };
  ids.forEach((id, i) => p.data.set(options.embeddings.get(id)!, i * dims));
  const weights = Float64Array.from(w);
  const rng = createRng(options.seed ?? 7);
  let result = { ...kmeans(p, { k: 1, rng, weights }), silhouette: 0 };
  if (ids.length >= 3 && (options.maxK ?? 4) >= 2) {
    const best = kmeansBySilhouette(p, { minK: 2, maxK: options.maxK ?? 4, rng, weights });
    if (best.silhouette >= (options.minSilhouette ?? 0.1)) result = best;
  }
  const embeddedTotal = w.reduce((a, b) => a + b, 0);
  const clusters: InterestCluster[] = [];
  for (let c = 0; c < result.k; c++) {
    const members = ids.map((id, i) => ({ id, w: w[i], c: result.assignments[i] })).filter((m) => m.c === c);
    if (members.length === 0) continue;
    clusters.push(describe(members, options.items, embeddedTotal));
  }
  clusters.sort((a, b) => b.share - a.share);
  return { clusters, silhouette: round(result.silhouette), unembeddedShare: round(total > 0 ? missing / total : 0) };
}

function describe(members: Array<{ id: string; w: number }>, items: ReadonlyMap<string, Item>, total: number): InterestCluster {
  const cats = new Map<string, number>();
  const tags = new Map<string, number>();
  let mass = 0;
  for (const m of members) {
    mass += m.w;
    const item = items.get(m.id);
    if (!item) continue;
    if (item.categoryPath.length) {
      const key = item.categoryPath.join(' > ');
      cats.set(key, (cats.get(key) ?? 0) + m.w);
    }
    for (const t of item.tags) tags.set(t, (tags.get(t) ?? 0) + m.w);
  }
  const byWeight = (m: Map<string, number>): string[] => [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
  const topCategory = byWeight(cats)[0] ?? null;
  const topTags = byWeight(tags).slice(0, 2);
  const head = topCategory ?? (topTags.length ? null : `items ${members[0].id}…`);
  const label = [head, topTags.join(', ')].filter((s) => s).join(' · ');
  const itemIds = [...members]
    .sort((a, b) => b.w - a.w)
    .slice(0, 10)
    .map((m) => m.id);
  return { label, topCategory, topTags, share: round(mass / total), itemIds };
}
