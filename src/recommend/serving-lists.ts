import { EVENT_TYPES, type EventWeights } from '../core/index.js';
import { weightTable, type SequenceDataset } from '../data/index.js';
import type { ArtifactArray } from '../models/index.js';
import { buildCooccurrence, type NeighbourLists } from './covisit.js';
import { ItemTable } from './item-table.js';

const PURCHASE_TOKENS = new Set([EVENT_TYPES.indexOf('cart'), EVENT_TYPES.indexOf('purchase')]);
const DISLIKE = EVENT_TYPES.indexOf('dislike');

/**
 * What a snapshot takes from the event history besides the model: co-visitation ("similar", "bought
 * together"), behaviour-weighted popularity and the trending counters at the newest event. The trainer
 * computes them with each version and stores them in its artifact, so a serving process builds its
 * snapshot without reading the event history; indexes are the model's items.
 */
export interface ServingLists {
  similar: NeighbourLists;
  boughtTogether: NeighbourLists;
  popularity: Float32Array;
  /** Decayed behaviour weights in units of exp((t - trendRefMs) / tau), as ItemTable keeps them. */
  trend: Float64Array;
  trendRefMs: number;
  events: number;
  users: number;
}

/** Co-visitation within a few events of any behaviour but a dislike; pairs of fewer than `minUsers` users are left out. */
export const similarLists = (ds: SequenceDataset, minUsers = 1): NeighbourLists =>
  buildCooccurrence(ds, { keepType: (t) => t !== DISLIKE, windowSize: 5, distanceDecay: 0.7, neighbours: 50, minUsers });

/** Co-visitation of carts and purchases; pairs of fewer than `minUsers` users are left out. */
export const boughtTogetherLists = (ds: SequenceDataset, minUsers = 1): NeighbourLists =>
  buildCooccurrence(ds, { keepType: (t) => PURCHASE_TOKENS.has(t), windowSize: 10, distanceDecay: 0.7, neighbours: 50, minUsers });

/**
 * Behaviour-weighted event counts per item of `table` (the dataset's item indexes must be the table's),
 * adding each event to the table's trending counters on the way.
 */
export function popularityOnTable(ds: SequenceDataset | null, n: number, weights: EventWeights, table: ItemTable): Float32Array {
  const pop = new Float32Array(n);
  if (!ds) return pop;
  const w = weightTable(weights);
  for (let e = 0; e < ds.itemIdx.length; e++) {
    const v = w[ds.types[e]];
    if (v <= 0) continue;
    pop[ds.itemIdx[e]] += v;
    if (Number.isFinite(ds.timestampsMs[e])) table.addTrend(ds.itemIdx[e], v, ds.timestampsMs[e]);
  }
  return pop;
}

/**
 * The lists of a dataset, in its item numbering (a version's model is trained on the same items);
 * co-visitation pairs of fewer than `minGroupSize` users are left out (`privacy.minGroupSize`).
 */
export function computeServingLists(ds: SequenceDataset, weights: EventWeights, trendHalfLifeMs: number, minGroupSize = 1): ServingLists {
  const table = new ItemTable(trendHalfLifeMs);
  for (const id of ds.items) table.ensure(id);
  const popularity = popularityOnTable(ds, ds.items.length, weights, table);
  return {
    similar: similarLists(ds, minGroupSize),
    boughtTogether: boughtTogetherLists(ds, minGroupSize),
    popularity,
    trend: table.trend.slice(0, ds.items.length),
    trendRefMs: table.trendRefMs,
    events: ds.itemIdx.length,
    users: ds.offsets.length - 1,
  };
}

const PREFIX = 'serving.';

/** The lists as artifact arrays (named `serving.*`) and meta, to store beside a model's own arrays. */
export function listsToArtifact(l: ServingLists): { arrays: Record<string, ArtifactArray>; meta: Record<string, unknown> } {
  return {
    arrays: {
      [`${PREFIX}similar.indptr`]: l.similar.indptr,
      [`${PREFIX}similar.indices`]: l.similar.indices,
      [`${PREFIX}similar.weights`]: l.similar.weights,
      [`${PREFIX}bought.indptr`]: l.boughtTogether.indptr,
      [`${PREFIX}bought.indices`]: l.boughtTogether.indices,
      [`${PREFIX}bought.weights`]: l.boughtTogether.weights,
      [`${PREFIX}popularity`]: l.popularity,
      [`${PREFIX}trend`]: l.trend,
    },
    meta: { servingLists: { trendRefMs: l.trendRefMs, events: l.events, users: l.users } },
  };
}

/** Splits an artifact's arrays into the model's own and the lists (undefined when it has none). */
export function listsFromArtifact(
  arrays: Record<string, ArtifactArray>,
  meta: Record<string, unknown>,
): { own: Record<string, ArtifactArray>; lists: ServingLists | undefined } {
  const own: Record<string, ArtifactArray> = {};
  for (const [name, a] of Object.entries(arrays)) if (!name.startsWith(PREFIX)) own[name] = a;
  const m = meta.servingLists as { trendRefMs: number; events: number; users: number } | undefined;
  if (!m || !arrays[`${PREFIX}popularity`]) return { own, lists: undefined };
  const get = <T extends ArtifactArray>(name: string) => arrays[`${PREFIX}${name}`] as T;
  return {
    own,
    lists: {
      similar: {
        indptr: get<Int32Array>('similar.indptr'),
        indices: get<Int32Array>('similar.indices'),
        weights: get<Float32Array>('similar.weights'),
      },
      boughtTogether: {
        indptr: get<Int32Array>('bought.indptr'),
        indices: get<Int32Array>('bought.indices'),
        weights: get<Float32Array>('bought.weights'),
      },
      popularity: get<Float32Array>('popularity'),
      trend: get<Float64Array>('trend'),
      trendRefMs: m.trendRefMs,
      events: m.events,
      users: m.users,
    },
  };
}
