import type { Config } from '../core/index.js';
import type { Ingestor } from '../ingest/index.js';
import {
  ErasureReceipts,
  erasureSubject,
  newErasureId,
  type ErasureReceipt,
  type ErasureTarget,
  type PendingErasure,
  type TargetReport,
} from '../privacy/index.js';
import type { SharedPolicyState } from '../recommend/index.js';
import type { ChangeFeed, EraseUserOptions, ErasedRows, Store } from '../store/index.js';
import { eraseUserFromModels } from './erasure.js';
import { settleModelErasure } from './erasure-sweep.js';

/**
 * How long the bus keeps an erasure notice (it names the stored id) after the user's other changes are
 * gone: a node that was away for less than this still applies the erasure when it is back.
 */
export const ERASURE_NOTICE_KEEP_MS = 15 * 60_000;
/** A failed purge of the bus is tried again this much later. */
const BUS_RETRY_MS = 30_000;
/** The user's newest slates and events whose shared slot flags are deleted (older flags have expired). */
const RECENT_SLATES = 1000;
const RECENT_EVENTS = 5000;

export interface ErasureServiceOptions {
  store: Store;
  /** Erases from the store and tells every process (the change feed), under the stored id. */
  ingestor: Ingestor;
  config: Config;
  feed: ChangeFeed;
  /** The cluster's shared policy state (Redis), when there is one. */
  shared?: SharedPolicyState;
  /**
   * Refits the model this process serves when it fits it from the store itself (no registry version), and
   * resolves once the new one serves; null when it serves a registry version or a given model.
   */
  refitServing?: () => Promise<void> | null;
  warn: (message: string, error: unknown) => void;
  clock?: () => number;
}

/** What `DELETE /v1/users/:id` answers. */
export interface ErasureResult {
  erasureId: string;
  erased: ErasedRows;
  receipt: ErasureReceipt;
}

/**
 * Erasure everywhere, with a receipt. The store deletes the user's rows (and SQLite their bytes); the change
 * feed tells every process, which forgets them in what it keeps in memory (RecommendationRuntime,
 * InsightRuntime, the pseudonym cache); here the rest is done or started: the cluster's Redis and bus, the
 * rows of per-user models, and the retraining of versions trained on the user (finished by the trainer's
 * sweep, erasure-sweep.ts). Each target's outcome goes in the receipt (docs/privacy.md, "Erasure").
 */
export class ErasureService {
  readonly receipts: ErasureReceipts;
  private readonly clock: () => number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly purges = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly options: ErasureServiceOptions) {
    this.clock = options.clock ?? Date.now;
    this.receipts = new ErasureReceipts(options.store, this.clock);
  }

  /** Resumes what this process can finish of pending erasures: purging the bus (a node restarted in the middle of one). */
  async start(): Promise<void> {
    if (!this.options.feed.forgetUsers) return;
    for (const erasure of await this.receipts.pending()) {
      const bus = (await this.receipts.get(erasure.id))?.targets.eventBus;
      if (bus && bus.state !== 'done') this.schedulePurge(erasure, 0);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.purges);
  }

  /**
   * Erases a user by the shop's id; null when the store held nothing of them (no record, event or decision).
   * `keepRecord` erases their history everywhere but keeps the record and its consent (a withdrawal of
   * tracking with its history erased: the refusal must outlive the erasure).
   */
  async erase(rawId: string, options: EraseUserOptions = {}): Promise<ErasureResult | null> {
    const { store, ingestor } = this.options;
    const storedId = ingestor.userKey(rawId);
    const slates = this.options.shared?.forgetSlates ? await recentSlateIds(store, storedId) : [];
    const erased = await ingestor.eraseUser(rawId, options);
    const kept = options.keepRecord === true && (await store.getUser(storedId)) !== null;
    if (!kept && !erased.user && erased.events === 0 && erased.decisions === 0) return null;
    const nowMs = this.clock();
    const erasure: PendingErasure = { id: newErasureId(), subject: erasureSubject(storedId), requestedAt: iso(nowMs) };
    const targets: Partial<Record<ErasureTarget, TargetReport>> = {
      ...this.storeTargets(erased, nowMs, kept),
      ...this.memoryTargets(nowMs),
      redis: await this.forgetRedis(slates, nowMs),
      eventBus: this.options.feed.forgetUsers
        ? { state: 'pending', at: null, deadline: iso(nowMs + ERASURE_NOTICE_KEEP_MS + BUS_RETRY_MS), detail: 'purging the stream' }
        : done(nowMs, 'the in-process change feed keeps nothing', 0),
      servingModel: this.refitServing(erasure, nowMs),
      models: await this.eraseFromModels(erasure, storedId, erased, nowMs),
    };
    const receipt = await this.receipts.create(erasure, targets);
    if (this.options.feed.forgetUsers) this.schedulePurge(erasure, 0);
    return { erasureId: erasure.id, erased, receipt };
  }

  private storeTargets(erased: ErasedRows, nowMs: number, kept: boolean): Partial<Record<ErasureTarget, TargetReport>> {
    const { kind } = this.options.store;
    return {
      events: done(nowMs, 'behaviour events (views, carts, purchases, ...) deleted from the store', erased.events - erased.impressions),
      impressions: done(nowMs, 'impression events deleted from the store (served slates are decisions)', erased.impressions),
      decisions: done(
        nowMs,
        'logged decisions and served slates deleted, with their candidates, propensities and experiment arms',
        erased.decisions,
      ),
      user: kept
        ? done(nowMs, 'the user record kept, as asked: attributes and consent (tracking refused), so their next events are refused', 0)
        : done(nowMs, 'the user record deleted: attributes and consent', erased.user ? 1 : 0),
      storage: erased.scrubbed
        ? done(nowMs, 'the freed space holds none of their bytes: deleted cells zeroed (secure_delete), write-ahead log truncated')
        : {
            state: 'limited',
            at: null,
            detail:
              kind === 'postgres'
                ? 'PostgreSQL keeps deleted rows as dead tuples (and in write-ahead log segments) until VACUUM reuses the space; VACUUM FULL rewrites the tables at once'
                : 'the write-ahead log was busy and not truncated: its old pages are overwritten as the log is reused',
          },
    };
  }

  /** What every process forgets when the erasure reaches it on the change feed (this one already has). */
  private memoryTargets(nowMs: number): Partial<Record<ErasureTarget, TargetReport>> {
    const everywhere = this.options.feed.forgetUsers
      ? 'in this process at once, in every other node as the erasure reaches it on the bus'
      : 'in this process (the only one)';
    return {
      servingCaches: done(
        nowMs,
        `recent activity, impressions and decisions waiting to be written, cached user vectors, their row of a per-user serving model, the pseudonym cache: ${everywhere}`,
      ),
      slateContexts: done(nowMs, `the contexts (user vector, scores) of the slates served to them: ${everywhere}`),
      segments: done(
        nowMs,
        `removed from the cached segmentation and its CSV export, which is rebuilt without them on the next read: ${everywhere}`,
      ),
      intent: done(nowMs, `the cached intent model and tagger are rebuilt without their events on the next read: ${everywhere}`),
      experiments: done(nowMs, 'arms are a hash of the id and nothing is stored per user; their slates and arms went with the decisions'),
    };
  }

  private async forgetRedis(slates: string[], nowMs: number): Promise<TargetReport> {
    const shared = this.options.shared;
    if (!shared?.forgetSlates) return done(nowMs, 'no cluster Redis', 0);
    try {
      const removed = await shared.forgetSlates(slates);
      return done(nowMs, "slot flags of their recent slates deleted (the shared policy's log and snapshot hold item counts only)", removed);
    } catch (error) {
      this.options.warn('erasure: deleting slot flags from Redis failed', error);
      return {
        state: 'limited',
        at: null,
        deadline: iso(nowMs + 3_600_000),
        detail: 'Redis was unreachable: the slot flags of their slates (keyed by slate id, naming nobody) expire within the hour',
      };
    }
  }

  private refitServing(erasure: PendingErasure, nowMs: number): TargetReport {
    const refit = this.options.refitServing?.() ?? null;
    if (!refit) return done(nowMs, 'this process serves a registry version (see models) or a given model; any row of theirs was zeroed');
    void refit
      .then(() =>
        this.receipts.report(erasure.id, 'servingModel', done(this.clock(), 'the model fitted in this process was refitted without them')),
      )
      .catch((error: unknown) => {
        this.options.warn('erasure: refitting the serving model failed', error);
        const report: TargetReport = { state: 'failed', at: null, detail: 'refitting failed; the next scheduled refresh refits it' };
        return this.receipts.report(erasure.id, 'servingModel', report);
      });
    const refreshSeconds = this.options.config.serving.refreshIntervalSeconds;
    return {
      state: 'pending',
      at: null,
      deadline: iso(nowMs + (refreshSeconds > 0 ? refreshSeconds : 3600) * 1000),
      detail: 'their row was zeroed at once; the model fitted in this process is being refitted without them',
    };
  }

  private async eraseFromModels(erasure: PendingErasure, storedId: string, erased: ErasedRows, nowMs: number): Promise<TargetReport> {
    const { store, config } = this.options;
    try {
      const rowsRemoved = await eraseUserFromModels(store, (id) => id === storedId);
      if (erased.events === 0) {
        return { ...done(nowMs, 'they had no events: no model was trained on them'), versions: empty(rowsRemoved) };
      }
      return await settleModelErasure(
        store,
        config,
        erasure,
        { state: 'pending', at: null, detail: '', versions: empty(rowsRemoved) },
        nowMs,
      );
    } catch (error) {
      this.options.warn('erasure: reaching the trained models failed', error);
      return { state: 'failed', at: null, detail: 'retried by the trainer' };
    }
  }

  private schedulePurge(erasure: PendingErasure, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const purge = this.purgeBus(erasure).finally(() => this.purges.delete(purge));
      this.purges.add(purge);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  /** Removes the user's changes from the bus; the erasure notice itself once it is older than ERASURE_NOTICE_KEEP_MS. */
  private async purgeBus(erasure: PendingErasure): Promise<void> {
    const forgetUsers = this.options.feed.forgetUsers?.bind(this.options.feed);
    if (!forgetUsers) return;
    const previous = (await this.receipts.get(erasure.id))?.targets.eventBus;
    const before = previous?.removed ?? 0;
    let report: TargetReport;
    let retryMs: number | null = null;
    try {
      const result = await forgetUsers((id) => erasureSubject(id) === erasure.subject, { keepNoticesMs: ERASURE_NOTICE_KEEP_MS });
      const removed = before + result.removed;
      if (result.keptNotices === 0) {
        report = done(this.clock(), 'every message on the bus that named them was erased from the stream', removed);
      } else {
        const dueMs = Date.parse(erasure.requestedAt) + ERASURE_NOTICE_KEEP_MS;
        retryMs = Math.max(0, dueMs - this.clock()) + 1000;
        report = {
          state: 'pending',
          at: null,
          removed,
          deadline: iso(dueMs + BUS_RETRY_MS),
          detail:
            'their changes were erased from the stream; the erasure notice (their stored id) stays until every node has had time to apply it',
        };
      }
    } catch (error) {
      this.options.warn('erasure: purging the bus failed; retrying', error);
      retryMs = BUS_RETRY_MS;
      report = { state: 'failed', at: null, removed: before, detail: 'purging the stream failed; retried', deadline: previous?.deadline };
    }
    await this.receipts.report(erasure.id, 'eventBus', report);
    if (retryMs !== null) this.schedulePurge(erasure, retryMs);
  }
}

/** The ids of the user's recent slates, in served slates and in events that carry one (before they are erased). */
async function recentSlateIds(store: Store, storedId: string): Promise<string[]> {
  const ids = new Set((await store.userSlates(storedId, { limit: RECENT_SLATES })).map((s) => s.recommendationId));
  for (const e of await store.userEvents(storedId, { limit: RECENT_EVENTS })) {
    const id = e.context.recommendationId;
    if (typeof id === 'string') ids.add(id);
  }
  return [...ids];
}

const iso = (ms: number): string => new Date(ms).toISOString();

function done(nowMs: number, detail: string, removed?: number): TargetReport {
  return removed === undefined ? { state: 'done', at: iso(nowMs), detail } : { state: 'done', at: iso(nowMs), removed, detail };
}

function empty(rowsRemoved: string[]) {
  return { rowsRemoved, awaitingRetrain: [], deleted: [], retrainJob: null };
}
