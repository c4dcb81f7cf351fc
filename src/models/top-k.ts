import type { SparseScoring } from './recommender.js';

/** An item with its score. */
export interface ScoredItem {
  item: number;
  score: number;
}

/**
 * The k best items by score (ties: lower index first), skipping items with a mark in `excluded`
 * (Uint8Array, 1 = skip) and -Infinity scores. A bounded min-heap: O(n log k), O(n) for most inputs.
 */
export function topK(scores: Float32Array, k: number, excluded?: Uint8Array): Int32Array {
  if (k <= 0) return new Int32Array(0);
  const heapItems = new Int32Array(k);
  const heapScores = new Float64Array(k);
  let size = 0;
  // Anything not above the heap's worst score cannot enter (an equal score has a larger index, so it
  // loses the tie): one comparison rejects most items, and NaN and -Infinity fail it as well.
  let threshold = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (!(s > threshold) || (excluded !== undefined && excluded[i] === 1)) continue;
    if (size < k) {
      heapItems[size] = i;
      heapScores[size] = s;
      siftUp(heapItems, heapScores, size++);
      if (size === k) threshold = heapScores[0];
    } else {
      heapItems[0] = i;
      heapScores[0] = s;
      siftDown(heapItems, heapScores, size);
      threshold = heapScores[0];
    }
  }
  const order = Array.from({ length: size }, (_, p) => p);
  order.sort((a, b) => heapScores[b] - heapScores[a] || heapItems[a] - heapItems[b]);
  return Int32Array.from(order, (p) => heapItems[p]);
}

// Heap order: smaller score first; on equal score the larger index is "worse" and sits on top.
function worse(items: Int32Array, scores: Float64Array, a: number, b: number): boolean {
  return scores[a] < scores[b] || (scores[a] === scores[b] && items[a] > items[b]);
}

function swap(items: Int32Array, scores: Float64Array, a: number, b: number): void {
  const ti = items[a];
  items[a] = items[b];
  items[b] = ti;
  const ts = scores[a];
  scores[a] = scores[b];
  scores[b] = ts;
}

function siftUp(items: Int32Array, scores: Float64Array, at: number): void {
  while (at > 0) {
    const parent = (at - 1) >> 1;
    if (!worse(items, scores, at, parent)) return;
    swap(items, scores, at, parent);
    at = parent;
  }
}

function siftDown(items: Int32Array, scores: Float64Array, size: number): void {
  let at = 0;
  for (;;) {
    const l = 2 * at + 1;
    const r = l + 1;
    let m = at;
    if (l < size && worse(items, scores, l, m)) m = l;
    if (r < size && worse(items, scores, r, m)) m = r;
    if (m === at) return;
    swap(items, scores, at, m);
    at = m;
  }
}

/** The plain reference for `topK`: full sort. Used by tests only. */
export function topKBySort(scores: Float32Array, k: number, excluded?: Uint8Array): Int32Array {
  const idx = Array.from(scores.keys()).filter((i) => scores[i] !== Number.NEGATIVE_INFINITY && !Number.isNaN(scores[i]) && excluded?.[i] !== 1);
  idx.sort((a, b) => scores[b] - scores[a] || a - b);
  return Int32Array.from(idx.slice(0, k));
}

/**
 * The same items as `topK` over the dense scores (prior with the touched scores written over it, skipped
 * items at -Infinity), in the same order: the best allowed touched items merged with the first allowed
 * untouched items in prior order. Costs O(touched + skipped head of the prior order) instead of O(items).
 */
export function sparseTopK(scoring: SparseScoring, touched: ReadonlyMap<number, number>, k: number, skip: (item: number) => boolean): Int32Array {
  if (k <= 0) return new Int32Array(0);
  const picked: ScoredItem[] = [];
  for (const [item, score] of touched) if (score > Number.NEGATIVE_INFINITY && !skip(item)) picked.push({ item, score });
  const order = scoring.priorOrder();
  let fromPrior = 0;
  for (let p = 0; p < order.length && fromPrior < k; p++) {
    const item = order[p];
    if (touched.has(item) || skip(item) || !(scoring.prior[item] > Number.NEGATIVE_INFINITY)) continue;
    picked.push({ item, score: scoring.prior[item] });
    fromPrior++;
  }
  picked.sort((a, b) => b.score - a.score || a.item - b.item);
  return Int32Array.from(picked.slice(0, k), (c) => c.item);
}

/** Items by score, best first, ties by lower index: the prior order of a SparseScoring. */
export function orderByScore(scores: Float32Array): Int32Array {
  const order = Int32Array.from(scores, (_, i) => i);
  return order.sort((a, b) => scores[b] - scores[a] || a - b);
}
