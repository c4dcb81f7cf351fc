import type { Rng } from '../../core/index.js';

/** Points are rows of a dense row-major matrix. */
export interface Points {
  data: Float64Array;
  rows: number;
  dims: number;
}

export interface KMeansOptions {
  k: number;
  rng: Rng;
  /** Per-point weights (default 1). */
  weights?: Float64Array;
  maxIterations?: number;
}

export interface KMeansResult {
  k: number;
  centroids: Float64Array;
  assignments: Int32Array;
  /** Weighted sum of squared distances to the assigned centroid. */
  inertia: number;
}

/** Squared Euclidean distance between row i of `a` and row j of `b` (same dims). */
export function sqDist(a: Float64Array, i: number, b: Float64Array, j: number, dims: number): number {
  let s = 0;
  const oa = i * dims;
  const ob = j * dims;
  for (let d = 0; d < dims; d++) {
    const x = a[oa + d] - b[ob + d];
    s += x * x;
  }
  return s;
}

/** k-means++ seeding (Arthur & Vassilvitskii 2007): each next centre drawn ∝ weight · D². */
function seedCentroids(p: Points, k: number, rng: Rng, w: Float64Array): Float64Array {
  const c = new Float64Array(k * p.dims);
  const best = new Float64Array(p.rows).fill(Infinity);
  let first = pickWeighted(w, rng);
  for (let m = 0; m < k; m++) {
    c.set(p.data.subarray(first * p.dims, (first + 1) * p.dims), m * p.dims);
    const probs = new Float64Array(p.rows);
    for (let i = 0; i < p.rows; i++) {
      best[i] = Math.min(best[i], sqDist(p.data, i, c, m, p.dims));
      probs[i] = w[i] * best[i];
    }
    first = pickWeighted(probs, rng);
  }
  return c;
}

function pickWeighted(w: Float64Array, rng: Rng): number {
  let total = 0;
  for (const v of w) total += v;
  if (total <= 0) return rng.int(w.length);
  let r = rng.next() * total;
  for (let i = 0; i < w.length; i++) {
    r -= w[i];
    if (r < 0) return i;
  }
  return w.length - 1;
}

/** Assigns each point to its nearest centroid; returns the weighted inertia. */
export function assign(p: Points, c: Float64Array, k: number, out: Int32Array, w?: Float64Array): number {
  let inertia = 0;
  for (let i = 0; i < p.rows; i++) {
    let bi = 0;
    let bd = Infinity;
    for (let m = 0; m < k; m++) {
      const d = sqDist(p.data, i, c, m, p.dims);
      if (d < bd) [bd, bi] = [d, m];
    }
    out[i] = bi;
    inertia += (w ? w[i] : 1) * bd;
  }
  return inertia;
}

/** Weighted Lloyd's k-means with k-means++ seeding; an emptied cluster keeps its previous centre. */
export function kmeans(p: Points, options: KMeansOptions): KMeansResult {
  const k = Math.max(1, Math.min(options.k, p.rows));
  const w = options.weights ?? new Float64Array(p.rows).fill(1);
  const c = seedCentroids(p, k, options.rng, w);
  const a = new Int32Array(p.rows);
  let inertia = assign(p, c, k, a, w);
  for (let it = 0; it < (options.maxIterations ?? 50); it++) {
    const sums = new Float64Array(k * p.dims);
    const mass = new Float64Array(k);
    for (let i = 0; i < p.rows; i++) {
      mass[a[i]] += w[i];
      for (let d = 0; d < p.dims; d++) sums[a[i] * p.dims + d] += w[i] * p.data[i * p.dims + d];
    }
    for (let m = 0; m < k; m++) {
      if (mass[m] <= 0) continue;
      for (let d = 0; d < p.dims; d++) c[m * p.dims + d] = sums[m * p.dims + d] / mass[m];
    }
    const next = assign(p, c, k, a, w);
    if (inertia - next <= 1e-9 * Math.max(1, inertia)) {
      inertia = next;
      break;
    }
    inertia = next;
  }
  return { k, centroids: c, assignments: a, inertia };
}

/**
 * Mean silhouette (Rousseeuw 1987) of an assignment, over at most `maxPoints` points drawn with `rng`
 * (distances to every point, so O(sample · n)). Singleton clusters score 0; one cluster scores 0.
 */
export function silhouette(p: Points, assignments: Int32Array, k: number, rng: Rng, maxPoints = 1500): number {
  if (k < 2 || p.rows < 3) return 0;
  const size = new Float64Array(k);
  for (const c of assignments) size[c]++;
  const sample = p.rows <= maxPoints ? [...Array(p.rows).keys()] : Array.from({ length: maxPoints }, () => rng.int(p.rows));
  let total = 0;
  for (const i of sample) {
    const own = assignments[i];
    if (size[own] <= 1) continue;
    const sums = new Float64Array(k);
    for (let j = 0; j < p.rows; j++) if (j !== i) sums[assignments[j]] += Math.sqrt(sqDist(p.data, i, p.data, j, p.dims));
    const a = sums[own] / (size[own] - 1);
    let b = Infinity;
    for (let m = 0; m < k; m++) if (m !== own && size[m] > 0) b = Math.min(b, sums[m] / size[m]);
    if (Number.isFinite(b)) total += (b - a) / Math.max(a, b, 1e-12);
  }
  return total / sample.length;
}

export interface ChooseKOptions {
  minK: number;
  maxK: number;
  rng: Rng;
  weights?: Float64Array;
  /** Restarts per k; the lowest inertia wins. */
  restarts?: number;
}

/** Runs k-means for each k in [minK, maxK] and keeps the one with the highest silhouette. */
export function kmeansBySilhouette(
  p: Points,
  options: ChooseKOptions,
): KMeansResult & { silhouette: number; tried: Array<{ k: number; silhouette: number }> } {
  const tried: Array<{ k: number; silhouette: number }> = [];
  let best: (KMeansResult & { silhouette: number }) | null = null;
  const maxK = Math.min(options.maxK, p.rows);
  for (let k = options.minK; k <= maxK; k++) {
    const r = bestOf(p, { k, rng: options.rng, weights: options.weights }, options.restarts ?? 3);
    const s = silhouette(p, r.assignments, r.k, options.rng.fork());
    tried.push({ k, silhouette: s });
    if (!best || s > best.silhouette) best = { ...r, silhouette: s };
  }
  if (!best) return { ...kmeans(p, { k: 1, rng: options.rng }), silhouette: 0, tried };
  return { ...best, tried };
}

/** The lowest-inertia of `restarts` seeded runs. */
export function bestOf(p: Points, options: KMeansOptions, restarts: number): KMeansResult {
  let best: KMeansResult | null = null;
  for (let r = 0; r < Math.max(1, restarts); r++) {
    const run = kmeans(p, { ...options, rng: options.rng.fork() });
    if (!best || run.inertia < best.inertia) best = run;
  }
  return best as KMeansResult;
}
