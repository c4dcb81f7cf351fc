import type { Event } from '../core/index.js';
import type { AppendResult } from './store.js';

/**
 * What an append stored, from the ids an adapter's insert reports: the first occurrence of each inserted id
 * is the accepted one, every other event (a stored id, or one repeated in the batch) a duplicate.
 */
export function appendResult(events: readonly Event[], inserted: readonly string[]): AppendResult {
  const accepted = inserted.length;
  if (accepted === events.length) return { accepted, duplicates: 0, duplicateIds: [] };
  const fresh = new Set(inserted);
  const duplicateIds: string[] = [];
  for (const e of events) {
    if (fresh.has(e.id)) fresh.delete(e.id);
    else duplicateIds.push(e.id);
  }
  return { accepted, duplicates: duplicateIds.length, duplicateIds };
}
