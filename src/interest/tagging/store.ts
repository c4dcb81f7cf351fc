import type { Event, Item } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import { withoutRejected } from './rejected.js';
import { categoryLabel, trainTagger, type TaggerOptions, type TagPrediction } from './tagger.js';

export interface TagStoreOptions extends TaggerOptions {
  /** Write predictions back (only fields the item lacks). Default false: a dry run. */
  apply?: boolean;
  /** Predictions below this confidence are not written. Default 0.5. */
  minConfidence?: number;
}

export interface TagStoreReport {
  labelledItems: number;
  unlabelledItems: number;
  updatedItems: number;
  predictions: TagPrediction[];
}

/** The fields a prediction fills on an item that lacks them, with its confidences recorded under attributes.autoTag. */
export function autoTagPatch(item: Item, p: TagPrediction, minConfidence: number): Partial<Item> | null {
  const patch: Partial<Item> = {};
  if (categoryLabel(item) === null && p.category && p.category.confidence >= minConfidence) patch.categoryPath = p.category.path;
  const tags = p.tags.filter((t) => t.confidence >= minConfidence);
  if (item.tags.length === 0 && tags.length > 0) patch.tags = tags.map((t) => t.label);
  if (!patch.categoryPath && !patch.tags) return null;
  return {
    ...patch,
    attributes: { ...item.attributes, autoTag: { category: patch.categoryPath ? p.category : null, tags: patch.tags ? tags : [] } },
  };
}

/** Trains on a store's labelled items and its behaviour, and predicts for items with no category or no tags. */
export async function tagStore(store: Store, options: TagStoreOptions = {}): Promise<TagStoreReport> {
  const items: Item[] = [];
  for await (const i of store.scanItems()) items.push(i);
  const events: Event[] = [];
  for await (const e of store.scanEvents()) events.push(e);
  const targets = items.filter((i) => categoryLabel(i) === null || i.tags.length === 0);
  const labelled = items.length - items.filter((i) => categoryLabel(i) === null && i.tags.length === 0).length;
  if (labelled === 0 || targets.length === 0)
    return { labelledItems: labelled, unlabelledItems: targets.length, updatedItems: 0, predictions: [] };
  const tagger = trainTagger(items, { ...options, events });
  const predictions = targets.map((i) => withoutRejected(i, tagger.predict(i)));
  let updated = 0;
  if (options.apply) {
    for (const [k, item] of targets.entries()) {
      const patch = autoTagPatch(item, predictions[k], options.minConfidence ?? 0.5);
      if (patch && (await store.patchItem(item.id, patch))) updated++;
    }
  }
  return { labelledItems: labelled, unlabelledItems: targets.length, updatedItems: updated, predictions };
}
