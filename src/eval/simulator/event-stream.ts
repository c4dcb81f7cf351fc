import { createRng, type Event } from '../../core/index.js';
import { createSnapshot, fillSnapshot } from './appeal.js';
import { shelfOf } from './arrivals.js';
import type { Catalogue } from './catalogue.js';
import type { ShopOptions } from './options.js';
import { DAY_MS, type UserModel } from './population.js';
import { pickWeighted, poisson } from './sampling.js';
import { runSession, type RawEvent } from './sessions.js';

/** Relative session starts per hour of the day (UTC): quiet nights, a lunch bump, busy evenings. */
const HOURLY_SHARE = [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 3.5, 4, 4.5, 5, 4.5, 4, 4, 4.5, 5, 6, 7, 7.5, 6.5, 4.5, 2.5];
const HOUR_MS = 3_600_000;
/** Weekends (Saturday, Sunday) bring more sessions. */
const WEEKEND_FACTOR = 1.25;

export interface StreamInput {
  options: ShopOptions;
  cat: Catalogue;
  users: UserModel[];
  /** Seed of the event stream; each call of `events()` restarts from it. */
  streamSeed: number;
}

/**
 * Every event of the simulated period in time order, with ids `sim:<seed>:<n>` numbered in that order.
 * Days are generated one at a time; an event that lands on a later day (a session past midnight, a
 * rating days after the purchase) waits in that day's bucket, so memory holds about one day.
 */
export function* generateEvents(input: StreamInput): Generator<Event> {
  const { options, cat, users } = input;
  const rng = createRng(input.streamSeed);
  const rampMs = options.driftRampDays * DAY_MS;
  const buckets = new Map<number, RawEvent[]>();
  const sink = (e: RawEvent): void => {
    const day = Math.floor((e.timestamp - options.startTime) / DAY_MS);
    if (day >= options.days) return;
    let bucket = buckets.get(day);
    if (!bucket) buckets.set(day, (bucket = []));
    bucket.push(e);
  };
  const snap = createSnapshot(cat, users[0]);
  let sessions = 0;
  let n = 0;
  for (let day = 0; day < options.days; day++) {
    const dayStart = options.startTime + day * DAY_MS;
    const weekday = new Date(dayStart).getUTCDay();
    const rate = options.sessionsPerUserPerDay * (weekday === 0 || weekday === 6 ? WEEKEND_FACTOR : 1);
    const shelf = shelfOf(options, cat, day);
    for (const user of users) {
      const count = poisson(rng, rate * user.activity);
      for (let s = 0; s < count; s++) {
        const startMs = dayStart + pickWeighted(rng, HOURLY_SHARE) * HOUR_MS + rng.int(HOUR_MS);
        fillSnapshot(snap, cat, user, startMs, rampMs);
        runSession({ cat, shelf, snap, rng, sessionId: `sim:${options.seed}:s${++sessions}`, startMs, emit: sink });
      }
    }
    const today = buckets.get(day) ?? [];
    buckets.delete(day);
    // Array.prototype.sort is stable, so ties keep generation order and the output stays deterministic.
    today.sort((a, b) => a.timestamp - b.timestamp);
    for (const e of today) yield { id: `sim:${options.seed}:${++n}`, ...e };
  }
}

/** Rough event count of a shop, for progress bars before generation (calibrated on the defaults). */
export function estimateEventCount(options: ShopOptions): number {
  const EVENTS_PER_SESSION = 8.9;
  return Math.round(options.users * options.days * options.sessionsPerUserPerDay * 1.07 * EVENTS_PER_SESSION);
}
