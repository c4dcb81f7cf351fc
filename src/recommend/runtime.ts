import { v7 as uuidv7 } from 'uuid';
import { CurioError, createRng, type Config, type Event, type Rng } from '../core/index.js';
import { categoryEmbedding, createPolicy, type Policy, type PolicySnapshot } from '../explore/index.js';
import type { Store } from '../store/index.js';
import { FeedbackLoop, type FeedbackCounts } from './feedback.js';
import { relatedItems, trendingItems, type ItemListKind } from './item-lists.js';
import type { AnnMemo } from './ann-cache.js';
import type { ItemTable } from './item-table.js';
import { LiveLists } from './live-lists.js';
import { DecisionLog } from './decision-log.js';
import { PolicyPersistence } from './policy-persistence.js';
import { runPipeline, type PipelineResult, type Recommendation, type RecommendedItem, type SlateRequest } from './pipeline.js';
import { sessionProfile, userProfile, type HistoryEvent, type Profile } from './profile.js';
import { RecentActivityCache } from './recent-activity.js';
import type { ServingModel } from './serving-artifact.js';
import { buildSnapshot, emptySnapshot, type ServingSnapshot } from './snapshot.js';
import type { StoreListener } from './store-tap.js';

/**
 * Time-ordered (UUIDv7) recommendation ids: the impression event ids and decision keys built from them
 * then land at the right edge of their unique indexes instead of on a random page each, which cuts the
 * pages an impression flush writes to the WAL several-fold.
 */
const recommendationId = (): string => uuidv7();

/**
 * Slates computed on synthetic histories at start, before the server accepts requests: without them the
 * first shoppers after a (re)start pay for the JIT (10–30 ms per request for about a second; at 500
 * requests/s the queue behind them took seconds to drain).
 */
const WARM_UP_SLATES = 400;

/** Impressions per write transaction (about 1.5 ms on SQLite). */
const IMPRESSION_CHUNK = 100;

export interface RuntimeOptions {
  config: Config;
  /** Read from directly; writes reach the runtime through `listener` (see `tapStore`). */
  store: Store;
  /** Appends impression events (the app passes the Ingestor, which applies consent and pseudonyms). */
  logEvents?: (events: Event[]) => Promise<unknown>;
  /** Serve this model instead of fitting or loading one. */
  model?: ServingModel;
  /** How stale the trending / new-item lists may get under a stream of events; default 0 (always current). */
  liveListMaxStaleMs?: number;
  /** The time stamped on impressions and used for "new items"; default Date.now (simulations pass theirs). */
  clock?: () => number;
  /** Where build failures are reported; default console.warn. */
  warn?: (message: string, error: unknown) => void;
}

/** What a shown item's impression says beyond its position: a pin, or the policy's slot when a pin shifted it. */
function slotContext(position: number, slot: number | null | undefined): { pinned: true } | { slot: number } | Record<string, never> {
  if (slot === null) return { pinned: true };
  return slot === undefined || slot === position ? {} : { slot };
}

/** Who is asking: the shop's id (logged with impressions, pseudonymised by the Ingestor) and the stored id. */
export interface Requester {
  rawId: string;
  storedId: string;
}

/** A non-personalised list (similar, bought together, trending) in the same envelope as a slate. */
export interface ItemListResponse {
  recommendationId: string;
  items: RecommendedItem[];
}

/** The runtime's state for operators (`GET /v1/recommendations/status`). */
export interface RuntimeStatus {
  model: string | null;
  modelSource: 'fitted' | 'loaded' | 'none';
  builtAt: string;
  buildSeconds: number;
  trainingEvents: number;
  trainingUsers: number;
  items: number;
  policy: PolicySnapshot;
  feedback: FeedbackCounts;
}

/**
 * The serving side of Curio: the current snapshot (model, catalogue, co-visitation), the policy and the
 * feedback loop. Requests read the user's newest events from the store, run the pipeline and log one
 * impression per slot; writes seen through `listener` update trending, stock and the policy at once.
 */
export class RecommendationRuntime {
  readonly listener: StoreListener;
  readonly feedback: FeedbackLoop;
  policy: Policy;
  private snap: ServingSnapshot;
  private live: LiveLists;
  private readonly rng: Rng;
  private readonly recent: RecentActivityCache;
  /** Candidate sets of logged slates, written with the impressions. */
  readonly decisions: DecisionLog;
  private readonly persistence: PolicyPersistence;
  private timer: NodeJS.Timeout | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  /** Buffered impressions with the stored id of their user (the event carries the shop's raw id), so erasure can drop them. */
  private impressions: Array<{ event: Event; storedUserId: string | null }> = [];
  private building: Promise<void> | null = null;
  /** The last snapshot's ANN index, reused by the next build when the embeddings are unchanged. */
  private readonly annMemo: AnnMemo = {};
  /** Table changes made while a new snapshot is being built, replayed onto it at the swap. */
  private pending: Array<(table: ItemTable) => void> | null = null;

  constructor(private readonly options: RuntimeOptions) {
    const serving = options.config.serving;
    this.policy = createPolicy(serving.policy, serving.policyParams);
    this.rng = createRng(serving.seed ?? Math.floor(Math.random() * 2 ** 32));
    this.snap = emptySnapshot(serving);
    this.live = this.liveLists(this.snap);
    const { historyLength, noRepeatImpressions, userCacheSeconds } = serving;
    this.recent = new RecentActivityCache(options.store, {
      historyLength,
      noRepeatImpressions,
      maxAgeMs: userCacheSeconds * 1000,
      clock: options.clock,
      internItemId: (itemId) => {
        const index = this.snap.items.indexOf.get(itemId);
        return index === undefined ? itemId : this.snap.items.ids[index];
      },
    });
    const warn = (message: string, error: unknown) => this.warn(message, error);
    this.decisions = new DecisionLog({ store: options.store, maxCandidates: serving.decisionCandidates, warn });
    this.persistence = new PolicyPersistence({
      store: options.store,
      saveSeconds: serving.policySaveSeconds,
      policy: () => this.policy,
      updates: () => this.feedback.counts.impressions + this.feedback.counts.rewards,
      warn,
    });
    this.feedback = new FeedbackLoop({
      policy: () => this.policy,
      clusterOf: (id) => this.clusterOf(id),
      embeddingOf: (id) => categoryEmbedding(this.clusterOf(id)),
    });
    this.listener = {
      eventsStored: (events) => this.onEvents(events),
      itemsStored: (items) => this.change((t) => items.forEach((item) => t.upsert(item))),
      itemDeleted: (id) => this.change((t) => t.remove(id)),
      usersStored: (users) => users.forEach((u) => this.recent.userStored(u)),
      userErased: (id) => {
        this.recent.forget(id);
        this.decisions.forget(id);
        this.impressions = this.impressions.filter((b) => b.storedUserId !== id);
      },
    };
  }

  /** The snapshot requests currently read. */
  get snapshot(): ServingSnapshot {
    return this.snap;
  }

  /** Restores the saved policy state, builds the first snapshot and starts the background refresh and policy saves. */
  async start(): Promise<void> {
    this.policy = await this.persistence.start(this.policy);
    await this.refresh();
    this.warmUp();
    const seconds = this.options.config.serving.refreshIntervalSeconds;
    if (seconds > 0 && !this.timer) {
      this.timer = setInterval(() => void this.refresh().catch((e: unknown) => this.warn('model refresh failed', e)), seconds * 1000);
      this.timer.unref();
    }
  }

  /** Stops the refresh timer, writes buffered impressions and decisions, saves the policy and waits for a build in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flushImpressions();
    await this.persistence.stop();
    await this.building?.catch(() => undefined);
  }

  /** Rebuilds the snapshot from the store (refits or reloads the model) and swaps it in; one build at a time. */
  refresh(): Promise<void> {
    this.building ??= this.rebuild().finally(() => {
      this.building = null;
    });
    return this.building;
  }

  private async rebuild(): Promise<void> {
    const { config, store, model } = this.options;
    this.pending = [];
    try {
      const next = await buildSnapshot({
        store, serving: config.serving, eventWeights: config.events.weights, seed: config.serving.seed ?? 1, model,
        annMemo: this.annMemo, warn: (message, error) => this.warn(message, error),
      });
      for (const apply of this.pending) apply(next.items);
      this.snap = next;
      this.live = this.liveLists(next);
    } finally {
      this.pending = null;
    }
  }

  /** A personalised slate for a user (non-personalised or cold start when their consent or history says so). */
  async forUser(user: Requester, request: SlateRequest): Promise<Recommendation> {
    const profile = userProfile(user.storedId, await this.recent.get(user.storedId));
    return this.serveAndLog(profile, request, user.rawId, null);
  }

  /** A slate for an anonymous visitor from the events in the request; impressions are logged under `visitor` when given. */
  async forSession(history: HistoryEvent[], request: SlateRequest, visitor: (Requester & { sessionId: string | null }) | null): Promise<Recommendation> {
    const consent = visitor ? (await this.options.store.getUser(visitor.storedId))?.consent : undefined;
    const profile = { ...sessionProfile(history, visitor !== null && consent?.tracking !== false), storedUserId: visitor?.storedId ?? null };
    const rawId = visitor?.rawId ?? null;
    if (consent?.personalization === false) return this.serveAndLog({ ...profile, history: [], mode: 'non-personalized' }, request, rawId, null);
    return this.serveAndLog(profile, request, rawId, visitor?.sessionId ?? null);
  }

  /** Runs the pipeline for a profile (no store reads, no logging): what the benches call directly. */
  serve(profile: Profile, request: SlateRequest): PipelineResult {
    const { config } = this.options;
    const deps = { snap: this.snap, live: this.live, policy: this.policy, serving: config.serving, eventWeights: config.events.weights };
    return runPipeline(deps, profile, request, this.rng.fork(), recommendationId());
  }

  /** Runs the pipeline (policy and rng included; nothing is logged or learned) on random view histories. */
  private warmUp(): void {
    const table = this.snap.items;
    if (table.size === 0) return;
    const { config } = this.options;
    const deps = { snap: this.snap, live: this.live, policy: this.policy, serving: config.serving, eventWeights: config.events.weights };
    const rng = createRng(1);
    const request: SlateRequest = { count: 10, exploreWeight: config.serving.exploreWeight, exclude: [] };
    for (let k = 0; k < WARM_UP_SLATES; k++) {
      const history = Array.from({ length: 1 + (k % 20) }, (_, t): HistoryEvent => ({ itemId: table.ids[rng.int(table.size)], type: 'view', timestamp: t }));
      const profile: Profile = { mode: 'personalized', storedUserId: null, tracking: false, history, blocked: new Set(), recentlyShown: new Set() };
      runPipeline(deps, profile, request, rng, 'warm-up');
    }
  }

  /** What is being served: the snapshot's model and sizes, the policy's saved state, feedback counts. */
  status(): RuntimeStatus {
    const snap = this.snap;
    return {
      model: snap.info.modelId,
      modelSource: snap.info.source,
      builtAt: new Date(snap.builtAtMs).toISOString(),
      buildSeconds: snap.info.buildSeconds,
      trainingEvents: snap.info.events,
      trainingUsers: snap.info.users,
      items: snap.items.size,
      policy: this.policy.save(),
      feedback: { ...this.feedback.counts },
    };
  }

  /** Similar or bought-together items; NOT_FOUND for an unknown (or deleted) item. */
  related(itemId: string, count: number, kind: ItemListKind): ItemListResponse {
    const index = this.snap.items.find(itemId);
    if (index === undefined) throw new CurioError('NOT_FOUND', `no item with id "${itemId}"`);
    return { recommendationId: recommendationId(), items: relatedItems(this.snap, index, count, kind) };
  }

  /** The trending items, optionally in one category. */
  trending(count: number, category?: string): ItemListResponse {
    return { recommendationId: recommendationId(), items: trendingItems(this.snap, this.live, count, category) };
  }

  private async serveAndLog(profile: Profile, request: SlateRequest, rawUserId: string | null, sessionId: string | null): Promise<Recommendation> {
    const { candidates, policySlots, ...rec } = this.serve(profile, request);
    if (rawUserId !== null && profile.tracking && this.options.config.serving.logImpressions && this.options.logEvents) {
      const now = (this.options.clock ?? Date.now)();
      const events: Event[] = rec.items.map((item, k) => ({
        id: `imp:${rec.recommendationId}:${item.position}`,
        userId: rawUserId,
        itemId: item.itemId,
        type: 'impression',
        value: null,
        timestamp: now,
        sessionId,
        context: { recommendationId: rec.recommendationId, position: item.position, policy: rec.policy, propensity: item.propensity, ...slotContext(item.position, policySlots[k]) },
      }));
      // The no-repeat rule sees this slate on the user's next request, before the buffered write lands.
      if (profile.storedUserId !== null) this.recent.observe(events.map((e) => ({ ...e, userId: profile.storedUserId as string })));
      if (profile.storedUserId !== null) this.decisions.add({ rec, candidates, userId: profile.storedUserId, timestampMs: now });
      await this.logImpressions(events, profile.storedUserId);
    }
    return rec;
  }

  /**
   * Writes impressions now (impressionFlushMs = 0) or buffers them for one transaction per interval:
   * a commit per slate costs more than the rest of the request on SQLite.
   */
  private async logImpressions(events: Event[], storedUserId: string | null): Promise<void> {
    const flushMs = this.options.config.serving.impressionFlushMs;
    if (flushMs === 0) return this.writeImpressions(events);
    for (const event of events) this.impressions.push({ event, storedUserId });
    this.flushTimer ??= setTimeout(() => void this.flushImpressions(), flushMs);
  }

  /**
   * Writes every buffered impression (also called on stop), IMPRESSION_CHUNK per transaction with the
   * event loop free in between: one transaction of a busy interval's impressions (~15 µs each on SQLite)
   * would hold every waiting request for 10–20 ms.
   */
  async flushImpressions(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    while (this.impressions.length > 0) {
      await this.writeImpressions(this.impressions.splice(0, IMPRESSION_CHUNK).map((b) => b.event));
      if (this.impressions.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async writeImpressions(events: Event[]): Promise<void> {
    // A slate is still worth showing when its log cannot be written; the failure is reported.
    await this.options.logEvents?.(events).catch((e: unknown) => this.warn('impression logging failed', e));
    await this.decisions.flush();
  }

  private onEvents(events: Event[]): void {
    const weights = this.options.config.events.weights;
    this.change((t) => {
      for (const e of events) {
        const w = weights[e.type];
        if (e.itemId !== null && w > 0) t.addTrend(t.ensure(e.itemId), w, e.timestamp);
      }
    });
    this.recent.observe(events);
    this.feedback.observe(events);
  }

  /** Applies a table change now and, during a rebuild, again to the table being built. */
  private change(apply: (table: ItemTable) => void): void {
    apply(this.snap.items);
    this.pending?.push(apply);
  }

  private clusterOf(itemId: string): string | undefined {
    const index = this.snap.items.indexOf.get(itemId);
    return index === undefined ? undefined : (this.snap.items.categoryOf(index) ?? undefined);
  }

  private liveLists(snap: ServingSnapshot): LiveLists {
    return new LiveLists(snap.items, { newItemDays: this.options.config.serving.newItemDays, maxStaleMs: this.options.liveListMaxStaleMs ?? 0, clock: this.options.clock });
  }

  private warn(message: string, error: unknown): void {
    (this.options.warn ?? ((m, e) => console.warn(`curio: ${m}:`, e)))(message, error);
  }
}
