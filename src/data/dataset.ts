import { CurioError, EVENT_TYPES, type EventType } from '../core/index.js';

/**
 * Per-user chronological sequences in CSR form. User u's events are the slice
 * `[offsets[u], offsets[u + 1])` of `itemIdx`, `types` and `timestampsMs`, oldest first.
 * Users and items are dense 0-based ids; `users[u]` / `items[i]` are the external ids.
 */
export interface SequenceDataset {
  readonly users: readonly string[];
  readonly items: readonly string[];
  /** Length users.length + 1. */
  readonly offsets: Int32Array;
  readonly itemIdx: Int32Array;
  /** Index into EVENT_TYPES. */
  readonly types: Uint8Array;
  /** NaN when the source has order only (e.g. the S3-Rec files). */
  readonly timestampsMs: Float64Array;
  /** Optional attribute ids per item (categories), for diversity metrics and curio-seq's side features. */
  readonly itemAttributes?: readonly (Int32Array | undefined)[];
  /**
   * The external name of each attribute id (`attributeNames[id]`, e.g. a category path). Ids may be numbered
   * afresh by every dataset, names are stable: a model matches attributes across datasets (warm start, items
   * added after training) by name. Absent when the ids are themselves external ids; the name is then String(id).
   */
  readonly attributeNames?: readonly string[];
}

/** One user's events: views into the dataset's arrays. */
export interface UserSequence {
  items: Int32Array;
  types: Uint8Array;
  timestampsMs: Float64Array;
}

/** The number of users. */
export function userCount(ds: SequenceDataset): number {
  return ds.offsets.length - 1;
}

/** The number of events. */
export function eventCount(ds: SequenceDataset): number {
  return ds.itemIdx.length;
}

/** The events of user `u` (subarray views, no copy), optionally only the first `length`. */
export function userSequence(ds: SequenceDataset, u: number, length?: number): UserSequence {
  const start = ds.offsets[u];
  const end = length === undefined ? ds.offsets[u + 1] : start + length;
  return {
    items: ds.itemIdx.subarray(start, end),
    types: ds.types.subarray(start, end),
    timestampsMs: ds.timestampsMs.subarray(start, end),
  };
}

/** The index of an event type in EVENT_TYPES (the token stored in `types`). */
export function eventTypeIndex(type: EventType): number {
  return EVENT_TYPES.indexOf(type);
}

/** Rows of (user, item, type, time) gathered before packing into a dataset. */
export interface SequenceBuilder {
  add(userId: string, itemId: string, type: EventType, timestampMs: number): void;
  build(): SequenceDataset;
}

/**
 * Collects events in any order and packs them into CSR sequences, sorted by time within each user
 * (stable, so events with equal or unknown time keep arrival order). Ids are dense in first-seen order.
 */
export function createSequenceBuilder(): SequenceBuilder {
  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const rows: { u: number[]; i: number[]; t: number[]; ts: number[] } = { u: [], i: [], t: [], ts: [] };
  const dense = (map: Map<string, number>, key: string): number => {
    let v = map.get(key);
    if (v === undefined) map.set(key, (v = map.size));
    return v;
  };
  return {
    add(userId, itemId, type, timestampMs) {
      rows.u.push(dense(userIndex, userId));
      rows.i.push(dense(itemIndex, itemId));
      rows.t.push(eventTypeIndex(type));
      rows.ts.push(timestampMs);
    },
    build() {
      return packRows([...userIndex.keys()], [...itemIndex.keys()], rows);
    },
  };
}

function packRows(users: string[], items: string[], rows: { u: number[]; i: number[]; t: number[]; ts: number[] }): SequenceDataset {
  const n = rows.u.length;
  const order = Array.from({ length: n }, (_, k) => k);
  // Stable sort by (user, time); NaN times compare equal so arrival order is kept.
  order.sort((a, b) => rows.u[a] - rows.u[b] || timeCompare(rows.ts[a], rows.ts[b]) || a - b);
  const offsets = new Int32Array(users.length + 1);
  for (const u of rows.u) offsets[u + 1]++;
  for (let u = 0; u < users.length; u++) offsets[u + 1] += offsets[u];
  const itemIdx = new Int32Array(n);
  const types = new Uint8Array(n);
  const timestampsMs = new Float64Array(n);
  order.forEach((k, pos) => {
    itemIdx[pos] = rows.i[k];
    types[pos] = rows.t[k];
    timestampsMs[pos] = rows.ts[k];
  });
  return { users, items, offsets, itemIdx, types, timestampsMs };
}

function timeCompare(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return 0;
  return a - b;
}

/**
 * Builds a dataset from a subset of each user's events: `keep(u, pos)` decides per event.
 * Users left with no events are dropped unless `keepEmptyUsers`; item ids are kept as they are.
 */
export function filterEvents(
  ds: SequenceDataset,
  keep: (u: number, positionInSequence: number) => boolean,
  options: { keepEmptyUsers?: boolean } = {},
): SequenceDataset {
  const offsets: number[] = [0];
  const users: string[] = [];
  const picked: number[] = [];
  for (let u = 0; u < userCount(ds); u++) {
    const before = picked.length;
    for (let e = ds.offsets[u]; e < ds.offsets[u + 1]; e++) if (keep(u, e - ds.offsets[u])) picked.push(e);
    if (picked.length === before && !options.keepEmptyUsers) continue;
    users.push(ds.users[u]);
    offsets.push(picked.length);
  }
  const take = Int32Array.from(picked);
  return {
    ...ds,
    users,
    offsets: Int32Array.from(offsets),
    itemIdx: take.map((e) => ds.itemIdx[e]),
    types: Uint8Array.from(take, (e) => ds.types[e]),
    timestampsMs: Float64Array.from(take, (e) => ds.timestampsMs[e]),
  };
}

/** Throws BAD_INPUT when the dataset has no events. */
export function assertNonEmpty(ds: SequenceDataset, source: string): void {
  if (eventCount(ds) === 0) throw new CurioError('BAD_INPUT', `no events in ${source}`);
}
