import { filterEvents, userCount, type SequenceDataset } from './dataset.js';

export interface KCoreOptions {
  /** Minimum events per user. */
  userMin: number;
  /** Minimum events per item. */
  itemMin: number;
  /** Safety bound on the alternating passes. */
  maxPasses?: number;
}

/**
 * Iterative k-core: drops users and items with fewer events than the minimums until none remain,
 * then renumbers items densely (users are renumbered by the filter).
 */
export function kCore(ds: SequenceDataset, options: KCoreOptions): SequenceDataset {
  let current = ds;
  for (let pass = 0; pass < (options.maxPasses ?? 100); pass++) {
    const itemCounts = new Int32Array(current.items.length);
    for (const i of current.itemIdx) itemCounts[i]++;
    let changed = false;
    const next = filterEvents(current, (u, pos) => {
      const userOk = current.offsets[u + 1] - current.offsets[u] >= options.userMin;
      const itemOk = itemCounts[current.itemIdx[current.offsets[u] + pos]] >= options.itemMin;
      if (!userOk || !itemOk) changed = true;
      return userOk && itemOk;
    });
    current = next;
    if (!changed) break;
  }
  return compactItems(current);
}

/** Renumbers items so that only items with events remain, in their old order. */
export function compactItems(ds: SequenceDataset): SequenceDataset {
  const remap = new Int32Array(ds.items.length).fill(-1);
  for (const i of ds.itemIdx) remap[i] = 0;
  const items: string[] = [];
  const attrs: (Int32Array | undefined)[] = [];
  for (let i = 0; i < ds.items.length; i++) {
    if (remap[i] < 0) continue;
    remap[i] = items.length;
    items.push(ds.items[i]);
    attrs.push(ds.itemAttributes?.[i]);
  }
  return {
    ...ds,
    items,
    itemIdx: ds.itemIdx.map((i) => remap[i]),
    ...(ds.itemAttributes ? { itemAttributes: attrs } : {}),
  };
}

/** Sequence-length statistics for reports. */
export function datasetStats(ds: SequenceDataset): { users: number; items: number; events: number; density: number } {
  const users = userCount(ds);
  return { users, items: ds.items.length, events: ds.itemIdx.length, density: ds.itemIdx.length / (users * ds.items.length) };
}
