import { CurioError } from '../core/index.js';

/** What a metric needs computed per case, or known about the items. */
export type MetricNeed = 'ranks' | 'topk' | 'popularity' | 'attributes';

/**
 * One evaluated case. `ranks` are the 0-based positions of the targets among the candidates, ascending,
 * ties counted pessimistically (a target sits behind every item with an equal score); a target that
 * was excluded (already in the history) has rank Infinity. `topK` is the recommended list.
 */
export interface CaseOutcome {
  ranks: Float64Array;
  nCandidates: number;
  topK: Int32Array;
}

/** Item facts for beyond-accuracy metrics. */
export interface MetricContext {
  nItems: number;
  /** Training users who interacted with each item. */
  itemUsers: Float64Array;
  nTrainUsers: number;
  itemAttributes?: readonly (Int32Array | undefined)[];
}

export interface Accumulator {
  add(c: CaseOutcome): void;
  value(): number;
}

/** A metric: its name is the key of its result, e.g. "ndcg@10". */
export interface Metric {
  name: string;
  /** The list length it looks at (0 for rank-only metrics like mrr and auc). */
  k: number;
  needs: readonly MetricNeed[];
  create(ctx: MetricContext): Accumulator;
  /** One case's value, for metrics that are a mean over cases (paired comparisons resample them). */
  perCase?: (c: CaseOutcome) => number;
}

function mean(per: (c: CaseOutcome) => number): (ctx: MetricContext) => Accumulator {
  return () => {
    let sum = 0;
    let n = 0;
    return { add: (c) => ((sum += per(c)), n++), value: () => (n === 0 ? Number.NaN : sum / n) };
  };
}

/** A metric that is the mean of a per-case value over the cases. */
function meanOf(per: (c: CaseOutcome) => number): Pick<Metric, 'create' | 'perCase'> {
  return { create: mean(per), perCase: per };
}

const hits = (c: CaseOutcome, k: number): number => {
  let h = 0;
  while (h < c.ranks.length && c.ranks[h] < k) h++;
  return h;
};

const idcg = (n: number): number => {
  let s = 0;
  for (let p = 0; p < n; p++) s += 1 / Math.log2(p + 2);
  return s;
};

type Factory = (k: number) => Omit<Metric, 'name' | 'k'>;

const ACCURACY: Record<string, Factory> = {
  hr: (k) => ({ needs: ['ranks'], ...meanOf((c) => (hits(c, k) > 0 ? 1 : 0)) }),
  recall: (k) => ({ needs: ['ranks'], ...meanOf((c) => hits(c, k) / c.ranks.length) }),
  precision: (k) => ({ needs: ['ranks'], ...meanOf((c) => hits(c, k) / k) }),
  f1: (k) => ({
    needs: ['ranks'],
    ...meanOf((c) => {
      const h = hits(c, k);
      return h === 0 ? 0 : (2 * (h / k) * (h / c.ranks.length)) / (h / k + h / c.ranks.length);
    }),
  }),
  ndcg: (k) => ({
    needs: ['ranks'],
    ...meanOf((c) => {
      let dcg = 0;
      for (let h = 0; h < c.ranks.length && c.ranks[h] < k; h++) dcg += 1 / Math.log2(c.ranks[h] + 2);
      return dcg / idcg(Math.min(k, c.ranks.length));
    }),
  }),
  map: (k) => ({
    needs: ['ranks'],
    ...meanOf((c) => {
      let ap = 0;
      for (let h = 0; h < c.ranks.length && c.ranks[h] < k; h++) ap += (h + 1) / (c.ranks[h] + 1);
      return ap / Math.min(k, c.ranks.length);
    }),
  }),
};

const RANK_ONLY: Record<string, Omit<Metric, 'name' | 'k'>> = {
  mrr: { needs: ['ranks'], ...meanOf((c) => (Number.isFinite(c.ranks[0]) ? 1 / (c.ranks[0] + 1) : 0)) },
  auc: {
    needs: ['ranks'],
    ...meanOf((c) => {
      // Per target: the share of non-target candidates ranked below it.
      const negatives = c.nCandidates - c.ranks.length;
      if (negatives <= 0) return 1;
      let s = 0;
      c.ranks.forEach((r, h) => (s += Number.isFinite(r) ? 1 - (r - h) / negatives : 0));
      return s / c.ranks.length;
    }),
  },
};

const LIST: Record<string, Factory> = {
  coverage: (k) => ({
    needs: ['topk'],
    create: (ctx) => {
      const seen = new Uint8Array(ctx.nItems);
      return { add: (c) => c.topK.subarray(0, k).forEach((i) => (seen[i] = 1)), value: () => seen.reduce((a, b) => a + b, 0) / ctx.nItems };
    },
  }),
  gini: (k) => ({
    needs: ['topk'],
    create: (ctx) => {
      const exposure = new Float64Array(ctx.nItems);
      return { add: (c) => c.topK.subarray(0, k).forEach((i) => exposure[i]++), value: () => gini(exposure) };
    },
  }),
  novelty: (k) => ({
    needs: ['topk', 'popularity'],
    create: (ctx) =>
      mean((c) => {
        // Self-information -log2 p(i), p(i) = share of training users with i (at least one user).
        let s = 0;
        const list = c.topK.subarray(0, k);
        for (const i of list) s += -Math.log2(Math.max(1, ctx.itemUsers[i]) / ctx.nTrainUsers);
        return list.length === 0 ? 0 : s / list.length;
      })(ctx),
  }),
  ild: (k) => ({
    needs: ['topk', 'attributes'],
    create: (ctx) => {
      const inner = mean((c) => intraListDistance(c.topK.subarray(0, k), ctx))(ctx);
      return { add: (c) => inner.add(c), value: () => (ctx.itemAttributes ? inner.value() : Number.NaN) };
    },
  }),
};

/** Gini coefficient of non-negative values (0 = equal exposure, → 1 = all on one item). */
export function gini(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let weighted = 0;
  let total = 0;
  sorted.forEach((v, i) => ((weighted += (2 * (i + 1) - n - 1) * v), (total += v)));
  return total === 0 ? 0 : weighted / (n * total);
}

/** Mean pairwise (1 - Jaccard) of the items' attribute sets; items without attributes are skipped. */
function intraListDistance(list: Int32Array, ctx: MetricContext): number {
  const sets = Array.from(list, (i) => ctx.itemAttributes?.[i])
    .filter((a): a is Int32Array => a !== undefined)
    .map((a) => new Set(a));
  let sum = 0;
  let pairs = 0;
  for (let a = 0; a < sets.length; a++) {
    for (let b = a + 1; b < sets.length; b++) {
      let inter = 0;
      for (const x of sets[a]) if (sets[b].has(x)) inter++;
      const union = sets[a].size + sets[b].size - inter;
      sum += union === 0 ? 0 : 1 - inter / union;
      pairs++;
    }
  }
  return pairs === 0 ? 0 : sum / pairs;
}

/** Parses "ndcg@10", "mrr", "coverage@20", ... into a metric; BAD_INPUT for unknown names. */
export function parseMetric(name: string): Metric {
  const [base, kText] = name.toLowerCase().split('@');
  if (kText === undefined && RANK_ONLY[base]) return { name: base, k: 0, ...RANK_ONLY[base] };
  const k = Number(kText);
  const factory = ACCURACY[base] ?? LIST[base];
  if (!factory || !Number.isInteger(k) || k < 1) {
    const known = [...Object.keys(ACCURACY).map((m) => `${m}@K`), ...Object.keys(RANK_ONLY), ...Object.keys(LIST).map((m) => `${m}@K`)];
    throw new CurioError('BAD_INPUT', `unknown metric "${name}"; known: ${known.join(', ')}`);
  }
  return { name: `${base}@${k}`, k, ...factory(k) };
}

/** The default report: accuracy at 5/10/20 plus beyond-accuracy at 10. */
export const DEFAULT_METRICS = [
  'hr@5',
  'ndcg@5',
  'hr@10',
  'ndcg@10',
  'hr@20',
  'ndcg@20',
  'recall@10',
  'precision@10',
  'f1@10',
  'map@10',
  'mrr',
  'auc',
  'coverage@10',
  'novelty@10',
  'ild@10',
  'gini@10',
];
