import type { EventType } from '../core/index.js';
import type { ScanQuery, Store } from '../store/index.js';
import { createSequenceBuilder, assertNonEmpty, type SequenceDataset } from './dataset.js';

export interface StoreDatasetOptions {
  /** Behaviours to keep; default every type that names an item except impressions and searches. */
  types?: EventType[];
  from?: number;
  to?: number;
  /** Attach item categories (the category path, as dense attribute ids, with their names) for diversity metrics and side features. */
  withCategories?: boolean;
}

const DEFAULT_TYPES: EventType[] = ['view', 'click', 'cart', 'favorite', 'purchase', 'review', 'rating'];

/** Reads per-user chronological sequences from a store (events come ordered by time). */
export async function datasetFromStore(store: Store, options: StoreDatasetOptions = {}): Promise<SequenceDataset> {
  const builder = createSequenceBuilder();
  const query: ScanQuery = { types: options.types ?? DEFAULT_TYPES };
  if (options.from !== undefined) query.from = options.from;
  if (options.to !== undefined) query.to = options.to;
  for await (const event of store.scanEvents(query)) {
    if (event.itemId === null) continue;
    builder.add(event.userId, event.itemId, event.type, event.timestamp);
  }
  const ds = builder.build();
  assertNonEmpty(ds, `store ${store.kind}`);
  if (!options.withCategories) return ds;
  const attributeIds = new Map<string, number>();
  const byItem = new Map<string, Int32Array>();
  for await (const item of store.scanItems()) {
    const ids = itemAttributeNames(item).map((name) => {
      let id = attributeIds.get(name);
      if (id === undefined) attributeIds.set(name, (id = attributeIds.size));
      return id;
    });
    byItem.set(item.id, Int32Array.from(ids));
  }
  // Ids follow the scan order, so only the names identify an attribute across datasets.
  return { ...ds, itemAttributes: ds.items.map((id) => byItem.get(id)), attributeNames: [...attributeIds.keys()] };
}

/**
 * A store item's attribute names as datasets (and so curio-seq) know them: every prefix of its category
 * path, joined by '/'. Also what a model is given for an item added after it was trained.
 */
export function itemAttributeNames(item: { readonly categoryPath: readonly string[] }): string[] {
  return item.categoryPath.map((_, depth) => item.categoryPath.slice(0, depth + 1).join('/'));
}
