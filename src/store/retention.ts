import { EVENT_TYPES, yieldToLoop, type EpochMs, type EventType, type RetentionDays } from '../core/index.js';
import type { EventPruneQuery, ReclaimedSpace, Store } from './store.js';

const DAY_MS = 86_400_000;

/** The store state key the last pass is saved under, for `curio stats` and `GET /v1/admin/retention` on any node. */
export const RETENTION_STATE_KEY = 'retention:last-pass';

export interface RetentionSettings {
  /** Served slates and decisions older than this many days are deleted; 0 = kept. */
  slatesDays: number;
  /** Impression events older than this many days are deleted; 0 = kept. */
  impressionEventsDays: number;
  /** A pass this often (the first one at start); 0 = never. */
  pruneIntervalMinutes: number;
  /** `privacy.retentionDays`: events by type (and decisions by the global value) older than this are deleted; 0 = kept. */
  eventDays?: RetentionDays;
}

/** What one pass deleted, and when it ran. */
export interface RetentionPass {
  startedAt: EpochMs;
  finishedAt: EpochMs;
  /** Decisions and served slates. */
  slates: number;
  /** Impression events deleted by `retention.impressionEventsDays`. */
  impressionEvents: number;
  /** Events deleted by `privacy.retentionDays`, by type. */
  events: Partial<Record<EventType, number>>;
  /** What the store did with the freed space; null when the pass deleted nothing. */
  space: ReclaimedSpace | null;
}

export interface RetentionPrunerOptions {
  /** Rows of each kind per delete transaction; default 1000. */
  chunk?: number;
  /** The first pass runs this long after start (default a minute: off the start-up path, and a server restarted more often than hourly still prunes). */
  firstPassDelayMs?: number;
  clock?: () => number;
  warn?: (message: string, error: unknown) => void;
}

/** Days each event type is kept under `privacy.retentionDays` (a per-type value wins over `default`); 0 = kept. */
export function eventRetentionDays(days: RetentionDays = 0): Record<EventType, number> {
  return Object.fromEntries(EVENT_TYPES.map((t) => [t, typeof days === 'number' ? days : (days[t] ?? days.default)])) as Record<
    EventType,
    number
  >;
}

/** Days decisions and served slates are kept: the shorter of `retention.slatesDays` and the global `privacy.retentionDays`; 0 = kept. */
export function slateRetentionDays(settings: RetentionSettings): number {
  const global = typeof settings.eventDays === 'object' ? settings.eventDays.default : (settings.eventDays ?? 0);
  const set = [settings.slatesDays, global].filter((d) => d > 0);
  return set.length ? Math.min(...set) : 0;
}

/** What is kept how long: days per event type (impressions by the shorter of both settings) and for decisions; 0 = kept. */
export function retentionInForce(settings: RetentionSettings) {
  const events = eventRetentionDays(settings.eventDays);
  const impression = [events.impression, settings.impressionEventsDays].filter((d) => d > 0);
  return {
    eventDays: { ...events, impression: impression.length ? Math.min(...impression) : 0 },
    decisionDays: slateRetentionDays(settings),
    pruneIntervalMinutes: settings.pruneIntervalMinutes,
  };
}

/** The last pass any process saved in the store, or null. */
export async function lastRetentionPass(store: Store): Promise<RetentionPass | null> {
  return (await store.getState(RETENTION_STATE_KEY)) as RetentionPass | null;
}

/**
 * Deletes expired served slates (with their decisions), impression events and events past
 * `privacy.retentionDays`, in small transactions with the event loop free between them, so no request waits
 * behind a long delete: background work of a server. After a pass that deleted rows the store reclaims the space.
 */
export class RetentionPruner {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RetentionPass> | null = null;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly settings: RetentionSettings,
    private readonly options: RetentionPrunerOptions = {},
  ) {}

  /** Starts the periodic passes; nothing when the interval or every retention is 0. */
  start(): void {
    const { pruneIntervalMinutes, impressionEventsDays } = this.settings;
    const anyEvents = Object.values(eventRetentionDays(this.settings.eventDays)).some((d) => d > 0);
    if (pruneIntervalMinutes <= 0 || (slateRetentionDays(this.settings) <= 0 && impressionEventsDays <= 0 && !anyEvents)) return;
    const tick = () => void this.runOnce().catch((e: unknown) => (this.options.warn ?? console.warn)('retention prune failed', e));
    this.timer = setInterval(tick, pruneIntervalMinutes * 60_000);
    this.timer.unref();
    setTimeout(() => {
      if (!this.stopped) tick();
    }, this.options.firstPassDelayMs ?? 60_000).unref();
  }

  /** One pass: chunks until nothing expired is left; returns how many rows it deleted (also saved in the store). */
  runOnce(): Promise<RetentionPass> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Stops the passes and waits for one in progress (it ends after its current chunk). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  private async pass(): Promise<RetentionPass> {
    const clock = this.options.clock ?? Date.now;
    const startedAt = clock();
    const { impressionEventsDays } = this.settings;
    const slatesDays = slateRetentionDays(this.settings);
    const limit = this.options.chunk ?? 1000;
    const query = {
      slatesBefore: slatesDays > 0 ? startedAt - slatesDays * DAY_MS : undefined,
      impressionEventsBefore: impressionEventsDays > 0 ? startedAt - impressionEventsDays * DAY_MS : undefined,
      limit,
    };
    const total: RetentionPass = { startedAt, finishedAt: startedAt, slates: 0, impressionEvents: 0, events: {}, space: null };
    for (;;) {
      if (this.stopped || (query.slatesBefore === undefined && query.impressionEventsBefore === undefined)) break;
      const n = await this.store.prune(query);
      total.slates += n.slates;
      total.impressionEvents += n.impressionEvents;
      // A kind whose last chunk was not full is done; ask only for what is left.
      if (n.slates < limit) query.slatesBefore = undefined;
      if (n.impressionEvents < limit) query.impressionEventsBefore = undefined;
      await yieldToLoop();
    }
    await this.pruneEvents(startedAt, limit, total.events);
    const deleted = total.slates + total.impressionEvents + Object.values(total.events).reduce((a, b) => a + b, 0);
    if (deleted > 0 && !this.stopped) total.space = await this.store.reclaimSpace();
    total.finishedAt = clock();
    await this.store.putState(RETENTION_STATE_KEY, total);
    return total;
  }

  /** Events past `privacy.retentionDays`, oldest first, each chunk starting where the previous full one stopped. */
  private async pruneEvents(now: EpochMs, limit: number, counts: Partial<Record<EventType, number>>): Promise<void> {
    const before: EventPruneQuery['before'] = {};
    for (const [type, days] of Object.entries(eventRetentionDays(this.settings.eventDays)) as Array<[EventType, number]>) {
      if (days > 0) before[type] = now - days * DAY_MS;
    }
    if (Object.keys(before).length === 0) return;
    let from: EpochMs | undefined;
    while (!this.stopped) {
      const n = await this.store.pruneEvents({ before, from, limit });
      for (const [type, k] of Object.entries(n.byType) as Array<[EventType, number]>) counts[type] = (counts[type] ?? 0) + k;
      if (n.deleted < limit || n.last === null) break;
      from = n.last;
      await yieldToLoop();
    }
  }
}
