import type { Event } from '../core/index.js';
import type { AppendResult } from '../store/index.js';

/** The events of a batch that the store actually inserted: the first occurrence of each non-duplicate id. */
export function storedEvents(events: readonly Event[], result: AppendResult): Event[] {
  if (result.duplicates === 0) return [...events];
  const duplicates = new Map<string, number>();
  for (const id of result.duplicateIds) duplicates.set(id, (duplicates.get(id) ?? 0) + 1);
  const occurrences = new Map<string, number>();
  for (const e of events) occurrences.set(e.id, (occurrences.get(e.id) ?? 0) + 1);
  const seen = new Set<string>();
  return events.filter((e) => {
    if (seen.has(e.id)) return false;
    seen.add(e.id);
    return (occurrences.get(e.id) ?? 0) > (duplicates.get(e.id) ?? 0);
  });
}
