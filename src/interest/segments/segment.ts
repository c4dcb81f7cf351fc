import { createRng, CurioError, type EpochMs, type Event, type EventWeights, type Item } from '../../core/index.js';
import { median, round } from '../math/distribution.js';
import { bestOf, kmeansBySilhouette, silhouette, type Points } from '../math/kmeans.js';
import { eventsByUser } from '../math/sessions.js';
import { topCategories, userFeatures, type UserFeatures } from './features.js';

export interface SegmentOptions {
  /** Fixed number of segments; default: chosen by silhouette in [2, maxK]. */
  k?: number;
  /** Default 8. */
  maxK?: number;
  /** Categories in the interest vector (plus "other"). Default 12. */
  maxCategories?: number;
  categoryDepth?: number;
  /** Weight of the interest block against the three standardised RFM columns. Default 3. */
  interestScale?: number;
  sessionGapMinutes?: number;
  halfLifeDays?: number;
  weights?: EventWeights;
  asOf?: EpochMs;
  seed?: number;
}

export interface SegmentSummary {
  segment: number;
  size: number;
  share: number;
  topCategories: Array<{ category: string; share: number }>;
  averageOrderValue: number;
  /** Sessions with a purchase / sessions. */
  conversionRate: number;
  medianSessionEvents: number;
  medianSessionMinutes: number;
  medianRecencyDays: number;
  medianSessions: number;
  medianMonetary: number;
}

/** Everything needed to place a new user in a segment (JSON-serialisable). */
export interface SegmentModel {
  k: number;
  silhouette: number;
  /** Silhouette per k tried (empty when k was given). */
  tried: Array<{ k: number; silhouette: number }>;
  categories: string[];
  categoryDepth: number;
  interestScale: number;
  /** Mean and standard deviation of log1p(recencyDays), log1p(sessions), log1p(monetary). */
  scaler: { mean: number[]; std: number[] };
  centroids: number[][];
  asOf: EpochMs;
  segments: SegmentSummary[];
}

export interface Segmentation {
  model: SegmentModel;
  users: Array<{ userId: string; segment: number; features: UserFeatures }>;
}

const rfm = (f: UserFeatures): number[] => [Math.log1p(f.recencyDays), Math.log1p(f.sessions), Math.log1p(f.monetary)];

/** The scaled vector segmentation clusters on. */
export function featureVector(f: UserFeatures, model: Pick<SegmentModel, 'interestScale' | 'scaler'>): number[] {
  const { mean, std } = model.scaler;
  return [...f.interests.map((v) => v * model.interestScale), ...rfm(f).map((v, i) => (v - mean[i]) / std[i])];
}

/** The nearest segment's index for a user's features. */
export function assignSegment(model: SegmentModel, f: UserFeatures): number {
  const x = featureVector(f, model);
  let best = 0;
  let bestD = Infinity;
  model.centroids.forEach((c, m) => {
    const d = c.reduce((s, v, i) => s + (v - x[i]) ** 2, 0);
    if (d < bestD) [best, bestD] = [m, d];
  });
  return best;
}

/** k-means segments (k-means++ seeding, k by silhouette unless given) over interest + RFM features. */
export function segmentUsers(events: readonly Event[], items: ReadonlyMap<string, Item>, options: SegmentOptions = {}): Segmentation {
  const byUser = eventsByUser(events);
  if (byUser.size < 2) throw new CurioError('BAD_INPUT', `segmentation needs events of at least 2 users, got ${byUser.size}`);
  const depth = options.categoryDepth ?? 1;
  const asOf = options.asOf ?? Math.max(...events.map((e) => e.timestamp));
  const categories = topCategories(events, items, { max: options.maxCategories ?? 12, depth, weights: options.weights });
  const featureOptions = { ...options, categories, categoryDepth: depth, asOf };
  const feats = [...byUser].map(([id, list]) => userFeatures(id, list, items, featureOptions));
  const scaler = fitScaler(feats.map(rfm));
  const partial = { interestScale: options.interestScale ?? 3, scaler };
  const dims = categories.length + 1 + 3;
  const p: Points = { data: new Float64Array(feats.length * dims), rows: feats.length, dims };
  feats.forEach((f, i) => p.data.set(featureVector(f, partial), i * dims));
  const rng = createRng(options.seed ?? 11);
  const run = options.k
    ? (() => {
        const r = bestOf(p, { k: options.k, rng }, 5);
        return { ...r, silhouette: silhouette(p, r.assignments, r.k, rng.fork()), tried: [] };
      })()
    : kmeansBySilhouette(p, { minK: 2, maxK: options.maxK ?? 8, rng, restarts: 3 });
  const centroids = Array.from({ length: run.k }, (_, m) => Array.from(run.centroids.subarray(m * dims, (m + 1) * dims)));
  const users = feats.map((f, i) => ({ userId: f.userId, segment: run.assignments[i], features: f }));
  const segments = Array.from({ length: run.k }, (_, m) =>
    summarise(
      m,
      users.filter((u) => u.segment === m).map((u) => u.features),
      categories,
      feats.length,
    ),
  );
  const model: SegmentModel = {
    k: run.k,
    silhouette: round(run.silhouette),
    tried: run.tried.map((t) => ({ k: t.k, silhouette: round(t.silhouette) })),
    categories,
    categoryDepth: depth,
    ...partial,
    centroids,
    asOf,
    segments,
  };
  return { model, users };
}

function fitScaler(rows: number[][]): { mean: number[]; std: number[] } {
  const n = rows.length;
  const mean = [0, 1, 2].map((j) => rows.reduce((s, r) => s + r[j], 0) / n);
  const std = [0, 1, 2].map((j) => Math.sqrt(rows.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / n) || 1);
  return { mean, std };
}

function summarise(segment: number, members: UserFeatures[], categories: string[], total: number): SegmentSummary {
  const names = [...categories, 'other'];
  const mean = names.map((_, j) => members.reduce((s, f) => s + f.interests[j], 0) / Math.max(1, members.length));
  const sum = (get: (f: UserFeatures) => number) => members.reduce((s, f) => s + get(f), 0);
  const orders = sum((f) => f.orders);
  const sessions = sum((f) => f.sessions);
  return {
    segment,
    size: members.length,
    share: round(members.length / total),
    topCategories: names
      .map((category, j) => ({ category, share: round(mean[j]) }))
      .filter((c) => c.share > 0)
      .sort((a, b) => b.share - a.share)
      .slice(0, 3),
    averageOrderValue: round(orders > 0 ? sum((f) => f.monetary) / orders : 0, 2),
    conversionRate: round(sessions > 0 ? orders / sessions : 0),
    medianSessionEvents: median(members.map((f) => f.medianSessionEvents)),
    medianSessionMinutes: round(median(members.map((f) => f.medianSessionMinutes)), 2),
    medianRecencyDays: round(median(members.map((f) => f.recencyDays)), 2),
    medianSessions: median(members.map((f) => f.sessions)),
    medianMonetary: round(median(members.map((f) => f.monetary)), 2),
  };
}
