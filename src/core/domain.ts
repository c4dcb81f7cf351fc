import type { EventType } from './event-types.js';

/** Milliseconds since the Unix epoch (UTC). */
export type EpochMs = number;

export interface Item {
  id: string;
  title: string;
  description: string;
  /** Root first, e.g. ['Beauty', 'Skin Care', 'Face']. */
  categoryPath: string[];
  tags: string[];
  brand: string | null;
  price: number | null;
  attributes: Record<string, unknown>;
  available: boolean;
  createdAt: EpochMs;
}

export interface Consent {
  /** false: the user's events are refused at ingestion. */
  tracking: boolean;
  /** false: the user is served non-personalised results. */
  personalization: boolean;
}

export const DEFAULT_CONSENT: Consent = { tracking: true, personalization: true };

export interface User {
  /** The stored id: the HMAC pseudonym when pseudonymisation is on, the shop's id otherwise. */
  id: string;
  attributes: Record<string, unknown>;
  consent: Consent;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

/** Where an event happened; the recommendation fields tie an outcome to the slate that caused it. */
export interface EventContext {
  recommendationId?: string;
  /** 0-based slot in the slate. */
  position?: number;
  policy?: string;
  /** Probability that the logging policy put this item in this slot. */
  propensity?: number;
  /** The slot the logging policy chose the item for, when a pin shifted it to `position`. */
  slot?: number;
  /** Placed by a pin, not chosen by the policy (off-policy evaluation leaves it out). */
  pinned?: boolean;
  /** The experiment and arm the slate was served in. */
  experiment?: string;
  arm?: string;
  page?: string;
  query?: string;
  device?: string;
}

export interface Event {
  id: string;
  userId: string;
  /** Absent only for searches. */
  itemId: string | null;
  type: EventType;
  /** Rating, quantity or price, depending on the type. */
  value: number | null;
  timestamp: EpochMs;
  sessionId: string | null;
  context: EventContext;
}
