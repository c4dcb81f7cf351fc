import { EVENT_TYPES, type EpochMs, type EventType } from '../core/index.js';
import type { EventPruneResult } from './store.js';
import { typeIndex } from './sqlite/rows.js';

/** The (stored type index, cutoff) pairs of an event prune, in `EVENT_TYPES` order: what each adapter's DELETE filters on. */
export function eventCutoffs(before: Partial<Record<EventType, EpochMs>>): Array<[number, EpochMs]> {
  return EVENT_TYPES.filter((t) => before[t] !== undefined).map((t) => [typeIndex(t), before[t] as EpochMs]);
}

/** Counts deleted events by type from the (type index, timestamp) pairs a DELETE returned. */
export function prunedEvents(rows: ReadonlyArray<readonly [number, EpochMs]>): EventPruneResult {
  const byType: Partial<Record<EventType, number>> = {};
  let last: EpochMs | null = null;
  for (const [index, timestamp] of rows) {
    const type = EVENT_TYPES[index];
    byType[type] = (byType[type] ?? 0) + 1;
    last = last === null ? timestamp : Math.max(last, timestamp);
  }
  return { deleted: rows.length, byType, last };
}
