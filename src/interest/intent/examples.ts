import type { EpochMs, Event, Item } from '../../core/index.js';
import { DEFAULT_SESSION_GAP_MINUTES, eventsByUser, sessionise } from '../math/sessions.js';
import { addSession, emptyHistory, intentFeatures, SESSION_ACTIONS } from './features.js';

/** Labelled prefixes: one example after each event of a session, up to its first purchase. */
export interface IntentExamples {
  x: Float64Array[];
  /** 1 when the session has a purchase after this point. */
  inSession: Uint8Array;
  /** 1 when one of the user's next `nextEvents` actions is a purchase. */
  nextEvents: Uint8Array;
  /** Time of the example's last seen event. */
  time: Float64Array;
  /** Time of the last event its labels look at (for leak-free time splits). */
  horizon: Float64Array;
  userIds: string[];
}

export interface IntentExampleOptions {
  sessionGapMinutes?: number;
  /** The N of "buys within the next N events". Default 5. */
  nextEvents?: number;
}

/** Builds examples from every user's action sequence; history features only ever see earlier sessions. */
export function intentExamples(
  events: Iterable<Event>,
  items: ReadonlyMap<string, Item>,
  options: IntentExampleOptions = {},
): IntentExamples {
  const n = options.nextEvents ?? 5;
  const out = {
    x: [] as Float64Array[],
    inSession: [] as number[],
    nextEvents: [] as number[],
    time: [] as number[],
    horizon: [] as number[],
    userIds: [] as string[],
  };
  const actions = [...events].filter((e) => SESSION_ACTIONS.has(e.type));
  for (const [userId, list] of eventsByUser(actions)) {
    const history = emptyHistory();
    let offset = 0;
    for (const session of sessionise(list, options.sessionGapMinutes ?? DEFAULT_SESSION_GAP_MINUTES)) {
      const firstBuy = session.findIndex((e) => e.type === 'purchase');
      const stop = firstBuy < 0 ? session.length : firstBuy;
      for (let t = 0; t < stop; t++) {
        const prefix = session.slice(0, t + 1);
        const ahead = list.slice(offset + t + 1, offset + t + 1 + n);
        out.x.push(intentFeatures(history, prefix, items, session[t].timestamp));
        out.inSession.push(firstBuy > t ? 1 : 0);
        out.nextEvents.push(ahead.some((e) => e.type === 'purchase') ? 1 : 0);
        out.time.push(session[t].timestamp);
        const horizonAt: EpochMs = Math.max(session[session.length - 1].timestamp, ahead.length ? ahead[ahead.length - 1].timestamp : 0);
        out.horizon.push(horizonAt);
        out.userIds.push(userId);
      }
      addSession(history, session);
      offset += session.length;
    }
  }
  return {
    x: out.x,
    inSession: Uint8Array.from(out.inSession),
    nextEvents: Uint8Array.from(out.nextEvents),
    time: Float64Array.from(out.time),
    horizon: Float64Array.from(out.horizon),
    userIds: out.userIds,
  };
}
