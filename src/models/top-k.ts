import type { SparseScoring } from './recommender.js';

/** An item with its score. */
export interface ScoredItem {
  item: number;
  score: number;
}

/**
 * The k best items offered, in any order (ties: lower index first): a bounded min-heap over typed arrays,
 * so keeping the best of thousands of offers allocates nothing per offer.
 */
export class BestK {
  readonly items: Int32Array;
  readonly scores: Float64Array;
  size = 0;

  constructor(readonly k: number) {
    this.items = new Int32Array(Math.max(0, k));
    this.scores = new Float64Array(Math.max(0, k));
  }

  /** The worst score kept once full (-Infinity before). */
  get threshold(): number {
    return this.size === this.k ? this.scores[0] : Number.NEGATIVE_INFINITY;
  }

  /** Offers an item; -Infinity and NaN scores never enter. */
  offer(item: number, score: number): void {
    if (!(score > Number.NEGATIVE_INFINITY) || this.k === 0) return;
    if (this.size < this.k) {
      this.items[this.size] = item;
      this.scores[this.size] = score;
      siftUp(this.items, this.scores, this.size++);
      return;
    }
    if (score < this.scores[0] || (score === this.scores[0] && item > this.items[0])) return;
    this.items[0] = item;
    this.scores[0] = score;
    siftDown(this.items, this.scores, this.size);
  }

  /** The kept items, best first. */
  sorted(): Int32Array {
    const order = Array.from({ length: this.size }, (_, p) => p);
    order.sort((a, b) => this.scores[b] - this.scores[a] || this.items[a] - this.items[b]);
    return Int32Array.from(order, (p) => this.items[p]);
  }
}

/**
 * The k best items by score (ties: lower index first), skipping items with a mark in `excluded`
 * (Uint8Array, 1 = skip) and -Infinity scores. A bounded min-heap: O(n log k), O(n) for most inputs.
 */
export function topK(scores: Float32Array, k: number, excluded?: Uint8Array): Int32Array {
  if (k <= 0) return new Int32Array(0);
  const best = new BestK(k);
  // Items come in index order, so anything not above the heap's worst score cannot enter (an equal score
  // has a larger index and loses the tie): one comparison rejects most items; NaN and -Infinity fail it too.
  let threshold = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (!(s > threshold) || (excluded !== undefined && excluded[i] === 1)) continue;
    best.offer(i, s);
    threshold = best.threshold;
  }
  return best.sorted();
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
  const idx = Array.from(scores.keys()).filter(
    (i) => scores[i] !== Number.NEGATIVE_INFINITY && !Number.isNaN(scores[i]) && excluded?.[i] !== 1,
  );
  idx.sort((a, b) => scores[b] - scores[a] || a - b);
  return Int32Array.from(idx.slice(0, k));
}

/**
 * The same items as `topK` over `scores` (the prior with a state's terms added by `SparseScoring.addTerms`,
 * which returned `changed`), skipping `skip`ped items, in the same order: the best changed items merged
 * with the first allowed unchanged items in prior order. O(changed + the skipped head of the prior order)
 * instead of O(items). An item whose terms added nothing counts as unchanged, so none is offered twice.
 */
export function sparseTopK(
  scoring: SparseScoring,
  scores: Float32Array,
  changed: Int32Array,
  k: number,
  skip: (item: number) => boolean,
): Int32Array {
  const best = new BestK(k);
  if (k <= 0) return best.sorted();
  const prior = scoring.prior;
  for (const i of changed) if (scores[i] !== prior[i] && !skip(i)) best.offer(i, scores[i]);
  const order = scoring.priorOrder();
  let fromPrior = 0;
  for (let p = 0; p < order.length && fromPrior < k; p++) {
    const i = order[p];
    if (scores[i] !== prior[i] || skip(i) || !(prior[i] > Number.NEGATIVE_INFINITY)) continue;
    best.offer(i, prior[i]);
    fromPrior++;
  }
  return best.sorted();
}

/** Items by score, best first, ties by lower index: the prior order of a SparseScoring. */
export function orderByScore(scores: Float32Array): Int32Array {
  const order = Int32Array.from(scores, (_, i) => i);
  return order.sort((a, b) => scores[b] - scores[a] || a - b);
}
