import { yieldToLoop } from '../core/index.js';
import type { Store } from './store.js';

const DAY_MS = 86_400_000;

export interface RetentionSettings {
  /** Served slates and decisions older than this many days are deleted; 0 = kept. */
  slatesDays: number;
  /** Impression events older than this many days are deleted; 0 = kept. */
  impressionEventsDays: number;
  /** A pass this often (the first one at start); 0 = never. */
  pruneIntervalMinutes: number;
}

export interface RetentionPrunerOptions {
  /** Rows of each kind per delete transaction; default 1000. */
  chunk?: number;
  /** The first pass runs this long after start (default a minute: off the start-up path, and a server restarted more often than hourly still prunes). */
  firstPassDelayMs?: number;
  clock?: () => number;
  warn?: (message: string, error: unknown) => void;
}

/**
 * Deletes expired served slates (with their decisions) and impression events, in small transactions with
 * the event loop free between them, so no request waits behind a long delete: background work of a server.
 */
export class RetentionPruner {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<{ slates: number; impressionEvents: number }> | null = null;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly settings: RetentionSettings,
    private readonly options: RetentionPrunerOptions = {},
  ) {}

  /** Starts the periodic passes; nothing when the interval or both retentions are 0. */
  start(): void {
    const { pruneIntervalMinutes, slatesDays, impressionEventsDays } = this.settings;
    if (pruneIntervalMinutes <= 0 || (slatesDays <= 0 && impressionEventsDays <= 0)) return;
    const tick = () => void this.runOnce().catch((e: unknown) => (this.options.warn ?? console.warn)('retention prune failed', e));
    this.timer = setInterval(tick, pruneIntervalMinutes * 60_000);
    this.timer.unref();
    setTimeout(() => {
      if (!this.stopped) tick();
    }, this.options.firstPassDelayMs ?? 60_000).unref();
  }

  /** One pass: chunks until nothing expired is left; returns how many rows it deleted. */
  runOnce(): Promise<{ slates: number; impressionEvents: number }> {
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

  private async pass(): Promise<{ slates: number; impressionEvents: number }> {
    const now = (this.options.clock ?? Date.now)();
    const { slatesDays, impressionEventsDays } = this.settings;
    const limit = this.options.chunk ?? 1000;
    const query = {
      slatesBefore: slatesDays > 0 ? now - slatesDays * DAY_MS : undefined,
      impressionEventsBefore: impressionEventsDays > 0 ? now - impressionEventsDays * DAY_MS : undefined,
      limit,
    };
    const total = { slates: 0, impressionEvents: 0 };
    for (;;) {
      if (this.stopped) break;
      const n = await this.store.prune(query);
      total.slates += n.slates;
      total.impressionEvents += n.impressionEvents;
      // A kind whose last chunk was not full is done; ask only for what is left.
      if (n.slates < limit) query.slatesBefore = undefined;
      if (n.impressionEvents < limit) query.impressionEventsBefore = undefined;
      if (query.slatesBefore === undefined && query.impressionEventsBefore === undefined) break;
      await yieldToLoop();
    }
    return total;
  }
}
