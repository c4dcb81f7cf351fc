import { EVENT_TYPES, type Event, type EventContext, type EventType, type Item, type User } from '../../core/index.js';
import type { TimelineEvent } from '../store.js';

export interface ItemRow {
  id: string;
  title: string;
  description: string;
  category: string;
  category_path: string;
  tags: string;
  brand: string | null;
  price: number | null;
  attributes: string;
  available: number;
  created_at: number;
  updated_at: number;
}

export interface UserRow {
  id: string;
  attributes: string;
  tracking: number;
  personalization: number;
  created_at: number;
  updated_at: number;
}

export interface EventRow {
  seq: number;
  event_id: string;
  user_id: string;
  item_id: string | null;
  type: number;
  value: number | null;
  timestamp: number;
  session_id: string | null;
  context: string | null;
}

const TYPE_INDEX = new Map<EventType, number>(EVENT_TYPES.map((t, i) => [t, i]));

export function typeIndex(type: EventType): number {
  return TYPE_INDEX.get(type)!;
}

export function itemToRow(item: Item, now: number): ItemRow {
  return {
    id: item.id,
    title: item.title,
    description: item.description,
    category: item.categoryPath.join(' > '),
    category_path: JSON.stringify(item.categoryPath),
    tags: JSON.stringify(item.tags),
    brand: item.brand,
    price: item.price,
    attributes: JSON.stringify(item.attributes),
    available: item.available ? 1 : 0,
    created_at: item.createdAt,
    updated_at: now,
  };
}

export function rowToItem(row: ItemRow): Item {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    categoryPath: JSON.parse(row.category_path) as string[],
    tags: JSON.parse(row.tags) as string[],
    brand: row.brand,
    price: row.price,
    attributes: JSON.parse(row.attributes) as Record<string, unknown>,
    available: row.available === 1,
    createdAt: row.created_at,
  };
}

export function rowToUser(row: UserRow): User {
  return {
    id: row.id,
    attributes: JSON.parse(row.attributes) as Record<string, unknown>,
    consent: { tracking: row.tracking === 1, personalization: row.personalization === 1 },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function contextToText(context: EventContext): string | null {
  for (const key in context) if (context[key as keyof EventContext] !== undefined) return JSON.stringify(context);
  return null;
}

/** Positional parameters for the event insert statement (faster than named ones on the hot path). */
export function eventParams(e: Event): unknown[] {
  return [e.id, e.userId, e.itemId, typeIndex(e.type), e.value, e.timestamp, e.sessionId, contextToText(e.context)];
}

/** The columns a timeline read selects. */
export type TimelineRow = Pick<EventRow, 'seq' | 'event_id' | 'item_id' | 'type' | 'timestamp'>;

export function rowToTimelineEvent(row: TimelineRow): TimelineEvent {
  return { id: row.event_id, itemId: row.item_id, type: EVENT_TYPES[row.type], timestamp: row.timestamp };
}

export function rowToEvent(row: EventRow): Event {
  return {
    id: row.event_id,
    userId: row.user_id,
    itemId: row.item_id,
    type: EVENT_TYPES[row.type],
    value: row.value,
    timestamp: row.timestamp,
    sessionId: row.session_id,
    context: row.context ? (JSON.parse(row.context) as EventContext) : {},
  };
}
