import { DEFAULT_EVENT_WEIGHTS, type Event, type EventWeights, type Item } from '../../core/index.js';
import { fnv1a } from './hashing.js';

export interface CooccurrenceOptions {
  /** Embedding width. Default 32. */
  dims?: number;
  /** Neighbours on each side in a user's time-ordered sequence. Default 5. */
  window?: number;
  /** Non-zeros in each item's random index vector. Default 6. */
  indexNonZeros?: number;
  weights?: EventWeights;
}

/** Adds item `id`'s fixed sparse ±1 index vector (derived from its id hash) times `w` into `out`. */
function addIndexVector(out: Float32Array, id: string, nnz: number, w: number): void {
  for (let j = 0; j < nnz; j++) {
    const h = fnv1a(`${id}#${j}`);
    out[h % out.length] += (h & 0x80000000 ? -1 : 1) * w;
  }
}

/** Groups positively weighted item events by user, each list in time order. */
export function userItemSequences(events: Iterable<Event>, weights: EventWeights = DEFAULT_EVENT_WEIGHTS): Map<string, Event[]> {
  const byUser = new Map<string, Event[]>();
  for (const e of events) {
    if (e.itemId === null || weights[e.type] <= 0) continue;
    let list = byUser.get(e.userId);
    if (!list) byUser.set(e.userId, (list = []));
    list.push(e);
  }
  for (const list of byUser.values()) list.sort((a, b) => a.timestamp - b.timestamp);
  return byUser;
}

/**
 * Behavioural item embeddings by random indexing (Kanerva et al. 2000): an item's vector is the sum of the
 * fixed random index vectors of the items seen near it in users' sequences, L2-normalised. A cheap,
 * streaming stand-in for factorising the co-occurrence matrix (Johnson–Lindenstrauss keeps its geometry).
 */
export function cooccurrenceEmbeddings(events: Iterable<Event>, options: CooccurrenceOptions = {}): Map<string, Float32Array> {
  const dims = options.dims ?? 32;
  const window = options.window ?? 5;
  const nnz = options.indexNonZeros ?? 6;
  const out = new Map<string, Float32Array>();
  for (const seq of userItemSequences(events, options.weights).values()) {
    for (let i = 0; i < seq.length; i++) {
      const id = seq[i].itemId as string;
      let v = out.get(id);
      if (!v) out.set(id, (v = new Float32Array(dims)));
      for (let j = Math.max(0, i - window); j <= Math.min(seq.length - 1, i + window); j++) {
        const other = seq[j].itemId as string;
        if (j !== i && other !== id) addIndexVector(v, other, nnz, 1 / Math.abs(i - j));
      }
    }
  }
  for (const v of out.values()) normalise(v);
  return out;
}

/** A content vector from an item's category prefixes, tags and brand (hashed, L2-normalised). */
export function contentEmbedding(item: Item, dims = 32): Float32Array {
  const v = new Float32Array(dims);
  item.categoryPath.forEach((_, i) => addIndexVector(v, `cat:${item.categoryPath.slice(0, i + 1).join('>')}`, 4, i + 1));
  for (const t of item.tags) addIndexVector(v, `tag:${t}`, 4, 1);
  if (item.brand) addIndexVector(v, `brand:${item.brand}`, 4, 1);
  return normalise(v);
}

/** Behaviour and content side by side (each half unit length, so neither dominates); either half may be zero. */
export function hybridEmbeddings(
  events: Iterable<Event>,
  items: ReadonlyMap<string, Item>,
  options: CooccurrenceOptions = {},
): Map<string, Float32Array> {
  const dims = options.dims ?? 32;
  const behaviour = cooccurrenceEmbeddings(events, options);
  const out = new Map<string, Float32Array>();
  const ids = new Set([...behaviour.keys(), ...items.keys()]);
  for (const id of ids) {
    const v = new Float32Array(2 * dims);
    const b = behaviour.get(id);
    if (b) v.set(b, 0);
    const item = items.get(id);
    if (item) v.set(contentEmbedding(item, dims), dims);
    out.set(id, normalise(v));
  }
  return out;
}

/** Scales `v` to unit length in place (a zero vector stays zero). */
export function normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  if (s > 0) {
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < v.length; i++) v[i] *= inv;
  }
  return v;
}
