import type { SequenceDataset } from '../data/index.js';
import { CategoryCooccurrence } from '../explore/index.js';
import { NO_CATEGORY, type ItemTable } from './item-table.js';

/**
 * Which categories shoppers hold together, from the events on the table (`itemIdx` are table indexes):
 * the interest frontier's P(category | held category), built with the snapshot's other lists.
 */
export function categoryPairs(ds: SequenceDataset, table: ItemTable): CategoryCooccurrence | null {
  if (table.categories.length === 0) return null;
  const pairs = new CategoryCooccurrence();
  const held = new Set<number>();
  for (let u = 0; u + 1 < ds.offsets.length; u++) {
    held.clear();
    for (let p = ds.offsets[u]; p < ds.offsets[u + 1]; p++) {
      const c = table.category[ds.itemIdx[p]];
      if (c !== NO_CATEGORY) held.add(c);
    }
    if (held.size > 0) pairs.addShopper(Array.from(held, (c) => table.categories[c]));
  }
  return pairs;
}
