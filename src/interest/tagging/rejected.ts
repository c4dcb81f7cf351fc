import type { Item } from '../../core/index.js';
import type { TagPrediction } from './tagger.js';

/** Where an item keeps the tags a person rejected for it: predictions of them are not shown or applied again. */
export const REJECTED_TAGS_ATTRIBUTE = 'rejectedTags';

/** The tags rejected for an item (`attributes.rejectedTags`, a list of labels; anything else counts as none). */
export function rejectedTags(item: Item): string[] {
  const value = item.attributes[REJECTED_TAGS_ATTRIBUTE];
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
}

/** A prediction without the tags a person rejected for this item. */
export function withoutRejected(item: Item, prediction: TagPrediction): TagPrediction {
  const rejected = new Set(rejectedTags(item));
  return rejected.size === 0 ? prediction : { ...prediction, tags: prediction.tags.filter((t) => !rejected.has(t.label)) };
}
