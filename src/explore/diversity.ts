import type { Candidate } from './types.js';

/** What diversity helpers read: the model score, an optional embedding and the category (`cluster`). */
export type DiverseCandidate = Pick<Candidate, 'itemId' | 'score' | 'embedding' | 'cluster'>;

export interface MmrOptions {
  /** How many to return. */
  k: number;
  /** Relevance weight in [0, 1]: 1 = plain score order, 0 = only dissimilarity to what is already picked. */
  lambda: number;
  /** 'embedding': cosine (falls back to category when either lacks one); 'category': 1 if same cluster else 0. */
  similarity?: 'embedding' | 'category';
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

function similarity(a: DiverseCandidate, b: DiverseCandidate, mode: 'embedding' | 'category'): number {
  if (mode === 'embedding' && a.embedding && b.embedding) return cosine(a.embedding, b.embedding);
  return a.cluster !== undefined && a.cluster === b.cluster ? 1 : 0;
}

/**
 * Maximal Marginal Relevance (Carbonell & Goldstein 1998): repeatedly pick the candidate maximising
 * λ·relevance − (1 − λ)·max similarity to the picked ones. Scores are min-max scaled to [0, 1] first so λ
 * means the same whatever the model's score range. Ties keep the input order.
 */
export function mmrRerank<T extends DiverseCandidate>(candidates: T[], options: MmrOptions): T[] {
  const mode = options.similarity ?? 'embedding';
  const lambda = Math.min(1, Math.max(0, options.lambda));
  const scores = candidates.map((c) => c.score);
  const lo = Math.min(...scores);
  const span = Math.max(...scores) - lo || 1;
  const relevance = scores.map((s) => (s - lo) / span);
  const maxSim = new Array<number>(candidates.length).fill(0);
  const taken = new Array<boolean>(candidates.length).fill(false);
  const picked: T[] = [];
  const k = Math.min(options.k, candidates.length);
  while (picked.length < k) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < candidates.length; i++) {
      if (taken[i]) continue;
      const value = lambda * relevance[i] - (1 - lambda) * (picked.length ? maxSim[i] : 0);
      if (value > bestValue) [best, bestValue] = [i, value];
    }
    taken[best] = true;
    picked.push(candidates[best]);
    for (let i = 0; i < candidates.length; i++) {
      if (!taken[i]) maxSim[i] = Math.max(maxSim[i], similarity(candidates[i], candidates[best], mode));
    }
  }
  return picked;
}

export interface CategoryCapOptions {
  k: number;
  /** At most this many items per category (`cluster`); items without one are never capped. */
  maxPerCategory: number;
  /** Fill remaining slots with capped items (in order) when too few pass the cap. Default false: caps are hard. */
  backfill?: boolean;
}

/** Keeps the input order but skips items whose category already has `maxPerCategory` picks. */
export function capPerCategory<T extends DiverseCandidate>(candidates: T[], options: CategoryCapOptions): T[] {
  const perCategory = new Map<string, number>();
  const kept: T[] = [];
  const skipped: T[] = [];
  for (const c of candidates) {
    if (kept.length >= options.k) break;
    const n = c.cluster === undefined ? 0 : (perCategory.get(c.cluster) ?? 0);
    if (c.cluster !== undefined && n >= options.maxPerCategory) {
      skipped.push(c);
      continue;
    }
    if (c.cluster !== undefined) perCategory.set(c.cluster, n + 1);
    kept.push(c);
  }
  if (options.backfill) for (const c of skipped) if (kept.length < options.k) kept.push(c);
  return kept;
}
