import { EVENT_TYPES, type EventType } from '../core/index.js';

export { BLOCKING_TYPES } from '../core/index.js';

/** One behaviour event of a user's state, oldest first. */
export interface HistoryEvent {
  itemId: string;
  type: EventType;
  timestamp: number;
}

/** Behaviours that make up a user's state (impressions and searches say nothing about an item by themselves). */
export const STATE_TYPES: EventType[] = EVENT_TYPES.filter((t) => t !== 'search' && t !== 'impression');
