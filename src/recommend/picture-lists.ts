import { CurioError } from '../core/index.js';
import type { RecommendedItem } from './pipeline.js';
import type { PictureCatalogue } from './picture-catalogue.js';
import type { ServingSnapshot } from './snapshot.js';

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Whether the snapshot's table may show the item: known, not deleted, in stock. */
export function showable(snap: ServingSnapshot, itemId: string): boolean {
  const index = snap.items.find(itemId);
  return index !== undefined && snap.items.unavailable[index] === 0;
}

/**
 * Items that look like an item (its picture's nearest neighbours in its embedding space), best first.
 * Deterministic, so every propensity is 1. NOT_FOUND for an unknown item or one without a picture.
 */
export function lookalikeItems(snap: ServingSnapshot, pictures: PictureCatalogue, itemId: string, count: number): RecommendedItem[] {
  const t = snap.items;
  const index = t.find(itemId);
  if (index === undefined) throw new CurioError('NOT_FOUND', `no item with id "${itemId}"`);
  const title = t.titles[index] || itemId;
  return pictures
    .similar(itemId, count, (id) => showable(snap, id))
    .map((hit, position) => {
      const j = t.find(hit.itemId) as number;
      return {
        itemId: hit.itemId,
        position,
        score: round(hit.similarity),
        reason: `looks like ${title}`,
        explored: false,
        propensity: 1,
        title: t.titles[j],
        category: t.categoryOf(j),
      };
    });
}
