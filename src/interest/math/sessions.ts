import type { Event } from '../../core/index.js';

/** 30 minutes: the usual web-analytics session timeout. */
export const DEFAULT_SESSION_GAP_MINUTES = 30;

/**
 * Splits one user's time-ordered events into sessions: a new session starts when the event's `sessionId`
 * differs from the previous one's (when both have one) or when the gap exceeds `gapMinutes`.
 */
export function sessionise(events: readonly Event[], gapMinutes = DEFAULT_SESSION_GAP_MINUTES): Event[][] {
  const gapMs = gapMinutes * 60_000;
  const sessions: Event[][] = [];
  let current: Event[] = [];
  for (const e of events) {
    const prev = current[current.length - 1];
    const split =
      prev && (e.timestamp - prev.timestamp > gapMs || (e.sessionId !== null && prev.sessionId !== null && e.sessionId !== prev.sessionId));
    if (split) {
      sessions.push(current);
      current = [];
    }
    current.push(e);
  }
  if (current.length) sessions.push(current);
  return sessions;
}

/** Events grouped by user, each list sorted by time (stable for equal times). */
export function eventsByUser(events: Iterable<Event>): Map<string, Event[]> {
  const out = new Map<string, Event[]>();
  for (const e of events) {
    let list = out.get(e.userId);
    if (!list) out.set(e.userId, (list = []));
    list.push(e);
  }
  for (const list of out.values()) list.sort((a, b) => a.timestamp - b.timestamp);
  return out;
}
