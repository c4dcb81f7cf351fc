import { categoryFilterMask, NO_CATEGORY } from './item-table.js';
import type { LiveLists } from './live-lists.js';
import type { RecommendedItem } from './pipeline.js';
import type { ServingSnapshot } from './snapshot.js';

/** Which co-occurrence an item list follows. */
export type ItemListKind = 'similar' | 'bought-together';

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

function listItem(snap: ServingSnapshot, index: number, position: number, score: number, reason: string): RecommendedItem {
  const t = snap.items;
  return {
    itemId: t.ids[index],
    position,
    score: round(score),
    reason,
    explored: false,
    propensity: 1,
    title: t.titles[index],
    category: t.categoryOf(index),
  };
}

/**
 * Items co-visited (or co-bought) with an item, best first; topped up with popular items of its category
 * when its list is short. Deterministic, so every propensity is 1.
 */
export function relatedItems(snap: ServingSnapshot, index: number, count: number, kind: ItemListKind): RecommendedItem[] {
  const t = snap.items;
  const lists = kind === 'similar' ? snap.similar : snap.boughtTogether;
  const title = t.titles[index] || t.ids[index];
  const out: RecommendedItem[] = [];
  const taken = new Set<number>([index]);
  if (index + 1 < lists.indptr.length) {
    for (let p = lists.indptr[index]; p < lists.indptr[index + 1] && out.length < count; p++) {
      const j = lists.indices[p];
      if (t.unavailable[j] === 1 || taken.has(j)) continue;
      taken.add(j);
      const reason = kind === 'similar' ? `often viewed with ${title}` : `often bought with ${title}`;
      out.push(listItem(snap, j, out.length, lists.weights[p], reason));
    }
  }
  const c = t.category[index];
  if (c === NO_CATEGORY || c >= snap.listedPopularByCategory.length) return out;
  for (const j of snap.listedPopularByCategory[c]) {
    if (out.length >= count) break;
    if (t.unavailable[j] === 1 || taken.has(j)) continue;
    taken.add(j);
    out.push(listItem(snap, j, out.length, 0, `popular in ${t.categoryLeaf[c]}`));
  }
  return out;
}

/** The trending items (decayed behaviour counts), optionally in one category; topped up with popular ones. */
export function trendingItems(snap: ServingSnapshot, live: LiveLists, count: number, category?: string): RecommendedItem[] {
  const t = snap.items;
  const mask = category ? categoryFilterMask(t, category) : null;
  const passes = (i: number) => !mask || (t.category[i] !== NO_CATEGORY && mask[t.category[i]] === 1);
  const out: RecommendedItem[] = [];
  const taken = new Set<number>();
  for (const i of live.trending()) {
    if (out.length >= count) break;
    if (!passes(i)) continue;
    taken.add(i);
    const c = t.category[i];
    out.push(listItem(snap, i, out.length, live.trendingScore(i), c === NO_CATEGORY ? 'trending now' : `trending in ${t.categoryLeaf[c]}`));
  }
  for (const i of snap.listedPopular) {
    if (out.length >= count) break;
    if (!passes(i) || taken.has(i) || t.unavailable[i] === 1) continue;
    const c = t.category[i];
    out.push(listItem(snap, i, out.length, 0, c === NO_CATEGORY ? 'popular right now' : `popular in ${t.categoryLeaf[c]}`));
  }
  return out;
}
