import { BLOCKING_TYPES, EVENT_TYPES } from '../core/index.js';
import type { SequenceDataset } from './dataset.js';

const BLOCKING = new Uint8Array(EVENT_TYPES.length);
for (const type of BLOCKING_TYPES) BLOCKING[EVENT_TYPES.indexOf(type)] = 1;

/**
 * The items among user `u`'s first `length` events (all by default) that the server's rules block for that
 * user: bought or disliked, never shown to them again.
 */
export function blockedItems(ds: SequenceDataset, u: number, length = ds.offsets[u + 1] - ds.offsets[u]): Set<number> {
  const blocked = new Set<number>();
  const first = ds.offsets[u];
  for (let e = first; e < first + length; e++) if (BLOCKING[ds.types[e]] === 1) blocked.add(ds.itemIdx[e]);
  return blocked;
}
