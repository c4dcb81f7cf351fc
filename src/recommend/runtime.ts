import { v7 as uuidv7 } from 'uuid';
import { CurioError, createRng, type Config, type Event, type Rng } from '../core/index.js';
import { createPolicy, ShopperBudget, type AppealBelief, type Policy, type PolicySnapshot } from '../explore/index.js';
import type { WriteOptions } from '../ingest/index.js';
import type { Change, ChangeFeed, Decision, SlateShown, Store } from '../store/index.js';
import { DecisionLog, slateDecision } from './decision-log.js';
import type { FeedbackCounts, FeedbackLoop } from './feedback.js';
import type { HistoryEvent } from './history.js';
import { ImpressionLog, slateImpressions } from './impression-log.js';
import { relatedItems, trendingItems, type ItemListKind } from './item-lists.js';
import { servingModelSource, type ModelProvider, type ProvidedModel } from './model-source.js';
import {
  runPipeline,
  slateInput,
  type ExperimentAssignment,
  type PipelineDeps,
  type PipelineResult,
  type Recommendation,
  type RecommendedItem,
  type SlateRequest,
} from './pipeline.js';
import { sessionProfile, userProfile, type Profile } from './profile.js';
import { slateCandidates } from './slate.js';
import { RecentActivityCache } from './recent-activity.js';
import type { ServingModel } from './serving-artifact.js';
import { ServingPolicy, type SharedPolicyState } from './serving-policy.js';
import { impressionEvents, shownItems } from './slate-record.js';
import { SlateContexts } from './slate-contexts.js';
import { ArmModels } from './arm-models.js';
import { interestBeliefs, type InterestBelief } from './beliefs.js';
import { historyShares } from './candidates.js';
import type { ColdPictureSource } from './cold-items.js';
import { SnapshotManager } from './snapshot-manager.js';
import { PublishedCounts, type CountNoise } from './published-counts.js';
import type { NoiseSource } from '../privacy/index.js';
import type { ServingSnapshot } from './snapshot.js';

/**
 * Time-ordered (UUIDv7) recommendation ids: the impression event ids and decision keys built from them
 * then land at the right edge of their unique indexes instead of on a random page each, which cuts the
 * pages an impression flush writes to the WAL.
 */
const recommendationId = (): string => uuidv7();

/**
 * Slates computed on synthetic histories at start, before the server accepts requests: without them the
 * first shoppers after a (re)start pay for the JIT, and under load the queue behind them is slow to drain.
 */
const WARM_UP_SLATES = 400;
/** Recent slates served by an experiment arm's own policy, remembered so their outcomes teach that policy. */
const ARM_SLATES = 50_000;

export interface RuntimeOptions {
  config: Config;
  /** Read from directly; writes reach the runtime through `feed`. */
  store: Store;
  /** What was written to the store (by the Ingestor); the runtime keeps its live state current from it. */
  feed?: ChangeFeed;
  /**
   * Appends impression events (the app passes the Ingestor, which applies consent and pseudonyms) and says
   * which were newly stored; `origin` is the runtime's, so it does not apply them a second time from the feed.
   */
  logEvents?: (events: Event[], options: WriteOptions) => Promise<{ stored: Event[] }>;
  /** Serve this model instead of fitting or loading one. */
  model?: ServingModel;
  /** Where snapshots get their model; default: `model`, else `serving.modelPath`, else `serving.model` fitted at each build. */
  models?: ModelProvider;
  /** How stale the trending / new-item lists may get under a stream of events; default 0 (always current). */
  liveListMaxStaleMs?: number;
  /** The time stamped on impressions and used for "new items"; default Date.now (simulations pass theirs). */
  clock?: () => number;
  /** Where build failures are reported; default console.warn. */
  warn?: (message: string, error: unknown) => void;
  /** A cluster's shared policy state (Redis); without it the policy learns from what this process observes. */
  sharedPolicy?: SharedPolicyState;
  /** Loads a model registry version for an experiment arm that serves one; without it such arms admit no one. */
  loadArmModel?: (versionId: string) => Promise<ProvidedModel>;
  /** The noise of published item counts (`privacy.epsilon`); the operating system's CSPRNG by default. */
  noise?: NoiseSource;
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

/** How the published lists (trending, popular) were gated, for the answers that show them. */
export interface PublishedListsStatus {
  minGroupSize: number;
  /** ISO time of the release in force; null while none is needed (k-anonymity and ε off). */
  releasedAt: string | null;
  /** Items with some audience but fewer than `minGroupSize` users, left out of each list. */
  suppressed: { trending: number; popular: number };
  /** The noise on each list's counts under `privacy.epsilon`; null for exact counts. */
  noise: CountNoise | null;
}

/** The runtime's state for operators (`GET /v1/recommendations/status`). */
export interface RuntimeStatus {
  model: string | null;
  /** The registry version being served, when the model came from the registry. */
  modelVersion: string | null;
  modelSource: 'fitted' | 'loaded' | 'none';
  builtAt: string;
  buildSeconds: number;
  trainingEvents: number;
  trainingUsers: number;
  items: number;
  policy: PolicySnapshot;
  feedback: FeedbackCounts;
  published: PublishedListsStatus;
}

/**
 * The serving side of Curio, as one facade over its parts: the snapshot (model, catalogue, co-visitation)
 * and its refresh, the policy and its feedback loop, the per-user recent activity, and the log of served
 * slates. Requests read the user's recent activity, run the pipeline and log one impression per slot;
 * changes from the feed update trending, stock, users and the policy at once.
 */
export class RecommendationRuntime {
  /** Tells this runtime's own writes apart on the change feed. */
  readonly origin = `runtime:${uuidv7()}`;
  private readonly snapshots: SnapshotManager;
  private readonly serving: ServingPolicy;
  private readonly recent: RecentActivityCache;
  private readonly impressions: ImpressionLog;
  private readonly rng: Rng;
  /** Spreads the deployment's explore weight over shoppers by need (`serving.adaptiveExplore`). */
  private readonly budget = new ShopperBudget();
  /** What the slates of a policy that reads the user vector were chosen with, for their feedback. */
  private readonly contexts = new SlateContexts();
  /** Experiment arms' own policies, by "experiment/arm", and which of them chose the recent slates. */
  private readonly armPolicies = new Map<string, Policy>();
  private readonly armSlates = new Map<string, Policy>();
  /** Snapshots of experiment arms that serve another model version. */
  private readonly armModels: ArmModels | null;
  /** What the trending and popular lists may show (k-anonymity, differential privacy), released periodically. */
  private readonly published: PublishedCounts;
  private unsubscribe: (() => void) | null = null;
  /** Item pictures, for cold items with a picture (attached to each snapshot's cold items as it is served). */
  private pictures: ColdPictureSource | null = null;

  constructor(private readonly options: RuntimeOptions) {
    const { config, store, logEvents } = options;
    const serving = config.serving;
    const warn = (message: string, error: unknown) => this.warn(message, error);
    this.rng = createRng(serving.seed ?? Math.floor(Math.random() * 2 ** 32));
    const models =
      options.models ?? servingModelSource({ serving, eventWeights: config.events.weights, seed: serving.seed ?? 1, model: options.model });
    this.snapshots = new SnapshotManager({
      config,
      store,
      models,
      liveListMaxStaleMs: options.liveListMaxStaleMs,
      clock: options.clock,
      warn,
      release: () => this.published.release,
      trendingAllowed: (itemId) => this.published.trendingAllowed(itemId),
    });
    this.published = new PublishedCounts({
      store,
      config,
      catalogue: () => this.snapshots.snapshot.items.ids,
      onRelease: (release) => this.snapshots.released(release),
      clock: options.clock,
      noise: options.noise,
      warn,
    });
    this.serving = new ServingPolicy({
      serving,
      store,
      clusterOf: (id) => this.snapshots.clusterOf(id),
      warn,
      shared: options.sharedPolicy,
      contexts: this.contexts,
      policyFor: (recommendationId) => this.armSlates.get(recommendationId),
    });
    this.impressions = new ImpressionLog({
      write: logEvents && ((events) => logEvents(events, { origin: this.origin })),
      onStored: (events) => this.applyStored(events, { own: true }),
      decisions: new DecisionLog({ store, maxCandidates: serving.decisionCandidates, warn }),
      writeSlates: (slates) => this.storeSlates(slates),
      flushMs: serving.impressionFlushMs,
      warn,
    });
    const { historyLength, noRepeatImpressions, userCacheSeconds } = serving;
    this.recent = new RecentActivityCache(store, {
      historyLength,
      noRepeatImpressions,
      maxAgeMs: userCacheSeconds * 1000,
      clock: options.clock,
      internItemId: (itemId) => this.snapshots.internItemId(itemId),
      unwritten: (userId) => this.impressions.unwritten(userId),
      trackingWithdrawn: (userId) => this.stopLogging(userId),
    });
    const loadArmModel = options.loadArmModel;
    this.armModels = loadArmModel
      ? new ArmModels({
          load: loadArmModel,
          derive: (served) => this.snapshots.derive(served),
          current: () => this.snapshots.snapshot,
          warn,
        })
      : null;
    this.unsubscribe = options.feed?.subscribe((change) => this.apply(change)) ?? null;
  }

  /** The snapshot requests currently read. */
  get snapshot(): ServingSnapshot {
    return this.snapshots.snapshot;
  }

  /** The explore/exploit policy requests use now. */
  get policy(): Policy {
    return this.serving.policy;
  }

  /** The loop that turns stored impressions and outcomes into policy updates. */
  get feedback(): FeedbackLoop {
    return this.serving.feedback;
  }

  /** Restores the saved policy state, builds the first snapshot and starts the background refresh and policy saves. */
  async start(): Promise<void> {
    await this.serving.start();
    await this.snapshots.start();
    await this.published.start();
    this.warmUp();
  }

  /** Stops listening and refreshing, writes buffered impressions and decisions, saves the policy and waits for a build in progress. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.impressions.flush();
    await this.serving.stop();
    await this.snapshots.stop();
    await this.published.stop();
  }

  /** Releases the published item counts now (one release of `privacy.epsilon`); no-op while they are off. */
  async releaseCounts(): Promise<void> {
    if (this.published.active) await this.published.publish();
  }

  /** How the trending and popular lists are gated now. */
  publishedLists(): PublishedListsStatus {
    const release = this.published.release;
    return {
      minGroupSize: this.options.config.privacy.minGroupSize,
      releasedAt: release ? new Date(release.releasedAt).toISOString() : null,
      suppressed: { trending: release?.trending.suppressed ?? 0, popular: release?.popular.suppressed ?? 0 },
      noise: release?.noise ?? null,
    };
  }

  /** Rebuilds the snapshot from the store (refits or reloads the model) and swaps it in; one build at a time. */
  refresh(): Promise<void> {
    return this.snapshots.refresh();
  }

  /**
   * Refits the model this runtime fits from the store itself, with a build that reads the store from now on
   * (an erasure: what it learned from the user goes); null when it serves a loaded or given model.
   */
  refitFromNow(): Promise<void> | null {
    return this.snapshots.snapshot.info.source === 'fitted' ? this.snapshots.refreshFromNow() : null;
  }

  /** Serves this model (a registry version) from now on: swapped in at once, kept by later refreshes. */
  useModel(served: ProvidedModel): Promise<void> {
    return this.snapshots.useModel(served);
  }

  /** Writes every buffered impression and decision now. */
  flushImpressions(): Promise<void> {
    return this.impressions.flush();
  }

  /** A personalised slate for a user (non-personalised or cold start when their consent or history says so). */
  async forUser(user: Requester, request: SlateRequest): Promise<Recommendation> {
    const profile = userProfile(user.storedId, await this.recent.get(user.storedId));
    return this.serveAndLog(profile, request, user.rawId, null);
  }

  /** A slate for an anonymous visitor from the events in the request; impressions are logged under `visitor` when given. */
  async forSession(
    history: HistoryEvent[],
    request: SlateRequest,
    visitor: (Requester & { sessionId: string | null }) | null,
  ): Promise<Recommendation> {
    const consent = visitor ? (await this.options.store.getUser(visitor.storedId))?.consent : undefined;
    const profile = {
      ...sessionProfile(history, visitor !== null && consent?.tracking !== false),
      storedUserId: visitor?.storedId ?? null,
    };
    const rawId = visitor?.rawId ?? null;
    if (consent?.personalization === false)
      return this.serveAndLog({ ...profile, history: [], mode: 'non-personalized' }, request, rawId, null);
    return this.serveAndLog(profile, request, rawId, visitor?.sessionId ?? null);
  }

  /** Runs the pipeline for a profile (no store reads, no logging): what the benches call directly. */
  serve(profile: Profile, request: SlateRequest): PipelineResult {
    const experiment = request.experiment;
    // A shopper who refused personalisation gets the non-personalised slate, never a variant: no arm, no count.
    const admitted =
      experiment !== undefined &&
      profile.mode !== 'non-personalized' &&
      (experiment.audience === 'all' || (experiment.audience === 'new') === (profile.history.length === 0));
    // An arm that serves another model version admits no one until that model's snapshot is ready.
    const armSnap = admitted && experiment.model !== undefined ? (this.armModels?.snapshotFor(experiment.model) ?? null) : undefined;
    if (!experiment || !admitted || armSnap === null)
      return runPipeline(this.pipelineDeps(), profile, request, this.rng.fork(), recommendationId());
    const base = this.pipelineDeps();
    const deps = {
      ...base,
      ...(armSnap ? { snap: armSnap } : {}),
      ...(experiment.rules ? { serving: { ...base.serving, ...experiment.rules } } : {}),
    };
    const policy = this.armPolicy(experiment);
    const armed: SlateRequest =
      experiment.exploreWeight === undefined ? request : { ...request, exploreWeight: experiment.exploreWeight, adaptive: false };
    const result = runPipeline(policy ? { ...deps, policy } : deps, profile, armed, this.rng.fork(), recommendationId());
    result.experiment = { id: experiment.id, arm: experiment.arm };
    if (policy) {
      this.armSlates.set(result.recommendationId, policy);
      if (this.armSlates.size > ARM_SLATES) this.armSlates.delete(this.armSlates.keys().next().value as string);
    }
    return result;
  }

  /**
   * What the serving policy believes about each candidate of this user's next slate: appeal and its
   * uncertainty (nothing is logged or learned). Null when the policy keeps no belief (only the neural ones do).
   */
  async beliefs(
    storedUserId: string,
    request: SlateRequest,
  ): Promise<{ policy: string; items: AppealBelief[]; interests: InterestBelief[] } | null> {
    const policy = this.policy;
    if (!policy.beliefs) return null;
    const profile = userProfile(storedUserId, await this.recent.get(storedUserId));
    const deps = this.pipelineDeps();
    // The slate's candidates as the policy would receive them; the policy's choice itself is not needed.
    const { input, historyIndex } = slateInput(deps, profile, request, createRng(0));
    const context = {
      userId: storedUserId,
      k: request.count,
      exploreWeight: input.exploreWeight,
      rng: createRng(0),
      ...(input.state ? { state: input.state } : {}),
    };
    const items = policy.beliefs(slateCandidates(input), context);
    const shares = historyShares({ snap: deps.snap, historyIndex, profile, eventWeights: deps.eventWeights });
    return { policy: policy.id, items, interests: interestBeliefs(items, shares) };
  }

  /** The arm's own policy, created on its first request (null when the arm keeps the serving policy). */
  private armPolicy(experiment: ExperimentAssignment): Policy | null {
    if (!experiment.policy) return null;
    const key = `${experiment.id}/${experiment.arm}`;
    let policy = this.armPolicies.get(key);
    if (!policy) this.armPolicies.set(key, (policy = createPolicy(experiment.policy, experiment.policyParams ?? {})));
    return policy;
  }

  /** Runs the pipeline (policy and rng included; nothing is logged or learned) on random view histories. */
  private warmUp(): void {
    const table = this.snapshots.snapshot.items;
    if (table.size === 0) return;
    const deps = this.pipelineDeps();
    const rng = createRng(1);
    const request: SlateRequest = { count: 10, exploreWeight: this.options.config.serving.exploreWeight, exclude: [] };
    for (let k = 0; k < WARM_UP_SLATES; k++) {
      const history = Array.from({ length: 1 + (k % 20) }, (_, t): HistoryEvent => ({
        itemId: table.ids[rng.int(table.size)],
        type: 'view',
        timestamp: t,
      }));
      const profile: Profile = {
        mode: 'personalized',
        storedUserId: null,
        tracking: false,
        history,
        blocked: new Set(),
        recentlyShown: new Set(),
      };
      runPipeline(deps, profile, request, rng, 'warm-up');
    }
  }

  /** What is being served: the snapshot's model and sizes, the policy's saved state, feedback counts. */
  status(): RuntimeStatus {
    const snap = this.snapshots.snapshot;
    return {
      model: snap.info.modelId,
      modelVersion: snap.info.versionId,
      modelSource: snap.info.source,
      builtAt: new Date(snap.builtAtMs).toISOString(),
      buildSeconds: snap.info.buildSeconds,
      trainingEvents: snap.info.events,
      trainingUsers: snap.info.users,
      items: snap.items.size,
      policy: this.policy.save(),
      feedback: { ...this.feedback.counts },
      published: this.publishedLists(),
    };
  }

  /** Similar or bought-together items; NOT_FOUND for an unknown (or deleted) item. */
  related(itemId: string, count: number, kind: ItemListKind): ItemListResponse {
    const snap = this.snapshots.snapshot;
    const index = snap.items.find(itemId);
    if (index === undefined) throw new CurioError('NOT_FOUND', `no item with id "${itemId}"`);
    return { recommendationId: recommendationId(), items: relatedItems(snap, index, count, kind) };
  }

  /** The trending items, optionally in one category. */
  trending(count: number, category?: string): ItemListResponse {
    return { recommendationId: recommendationId(), items: trendingItems(this.snapshots.snapshot, this.snapshots.lists, count, category) };
  }

  /** Scores cold items that have a picture from their look (docs/pictures.md, "Cold start"). */
  usePictures(source: ColdPictureSource | null): void {
    this.pictures = source;
    this.snapshots.snapshot.cold?.usePictures(source);
  }

  private pipelineDeps(): PipelineDeps {
    const { config } = this.options;
    this.snapshots.snapshot.cold?.usePictures(this.pictures);
    return {
      snap: this.snapshots.snapshot,
      live: this.snapshots.lists,
      policy: this.policy,
      serving: config.serving,
      eventWeights: config.events.weights,
      budget: this.budget,
    };
  }

  private async serveAndLog(
    profile: Profile,
    request: SlateRequest,
    rawUserId: string | null,
    sessionId: string | null,
  ): Promise<Recommendation> {
    const { candidates, policySlots, state, ...rec } = this.serve(profile, request);
    const serving = this.options.config.serving;
    if (rawUserId === null || !profile.tracking || !serving.logImpressions) return rec;
    if ((this.armSlates.get(rec.recommendationId) ?? this.policy).capabilities.usesState) {
      this.contexts.remember(
        rec.recommendationId,
        profile.storedUserId ?? '',
        state,
        candidates,
        rec.items.map((i) => i.itemId),
      );
    }
    const now = (this.options.clock ?? Date.now)();
    if (serving.impressionLog === 'slate') {
      // One record per slate, under the stored id (already pseudonymised); consent is checked again when it is written.
      const storedUserId = profile.storedUserId;
      if (storedUserId === null) return rec;
      const shown = shownItems(rec, policySlots);
      const slate = slateDecision(
        { rec, candidates, userId: storedUserId, timestampMs: now },
        shown,
        serving.decisionCandidates,
        sessionId,
      );
      this.recent.observe(slateImpressions(slate as SlateShown));
      await this.impressions.recordSlate(slate);
      return rec;
    }
    if (this.options.logEvents) {
      const events = impressionEvents(rec, policySlots, { userId: rawUserId, sessionId, timestamp: now });
      const storedUserId = profile.storedUserId;
      // The no-repeat rule sees this slate on the user's next request, before the buffered write lands.
      if (storedUserId !== null) this.recent.observe(events.map((e) => ({ ...e, userId: storedUserId })));
      await this.impressions.record(events, storedUserId === null ? null : { rec, candidates, userId: storedUserId, timestampMs: now });
    }
    return rec;
  }

  /** Applies one change from the feed; the runtime's own writes were applied when it made them. */
  private apply(change: Change): void {
    if (change.origin === this.origin) return;
    switch (change.kind) {
      case 'events-stored':
        return this.applyStored(change.events, { own: false });
      case 'items-stored':
        return this.snapshots.change((t) => change.items.forEach((item) => t.upsert(item)));
      case 'item-deleted':
        return this.snapshots.change((t) => t.remove(change.itemId));
      case 'users-stored':
        return change.users.forEach((u) => {
          this.recent.userStored(u);
          if (!u.consent.tracking) this.stopLogging(u.id);
        });
      case 'user-erased':
        return this.forgetUser(change.userId);
      case 'slates-served':
        return this.applyStored(change.slates.flatMap(slateImpressions), { own: false });
    }
  }

  /**
   * An erased user (stored id) leaves everything this runtime keeps in memory: the serving model's row of
   * theirs, their cached recent activity, impressions and decisions waiting to be written, the contexts of
   * the slates they were served, and the cached user vectors. Applied on every node the erasure reaches.
   */
  private forgetUser(storedUserId: string): void {
    this.snapshots.forgetUser(storedUserId);
    this.armModels?.forget();
    this.recent.forget(storedUserId);
    this.impressions.forget(storedUserId);
    this.contexts.forget(storedUserId);
    this.published.forget(storedUserId);
  }

  /**
   * A user (stored id) withdrew tracking: what this runtime buffered of them (impressions, slates and
   * decisions not yet written) and the contexts kept for their slates' feedback go. Their recent activity
   * stays cached (it is what the store holds, read for personalisation) but takes nothing new: requests log
   * only while the consent read with them says tracking.
   */
  private stopLogging(storedUserId: string): void {
    this.impressions.forget(storedUserId);
    this.contexts.forget(storedUserId);
  }

  /** Where this runtime still keeps something of a stored user, by name (none after their erasure). */
  heldFor(storedUserId: string): string[] {
    const held: Array<[string, boolean]> = [
      ['model row', this.snapshots.holdsUser(storedUserId)],
      ['recent activity', this.recent.holds(storedUserId)],
      ['buffered slates', this.impressions.holds(storedUserId)],
      ['slate contexts', this.contexts.holds(storedUserId)],
    ];
    return held.filter(([, holds]) => holds).map(([name]) => name);
  }

  /**
   * Writes slate records (`'slate'` mode) straight to the store, leaving out users who refused tracking
   * meanwhile, then applies them (trending, feedback; the user's recent activity has them already) and
   * publishes them for other runtimes on the feed.
   */
  private async storeSlates(slates: Decision[]): Promise<void> {
    const { store, feed } = this.options;
    const refused = await store.trackingRefused([...new Set(slates.map((s) => s.userId))]);
    const kept = refused.size === 0 ? slates : slates.filter((s) => !refused.has(s.userId));
    if (kept.length === 0) return;
    await store.appendDecisions(kept);
    const served = kept.map(({ recommendationId, userId, timestamp, policy, shown, sessionId }): SlateShown =>
      sessionId === undefined
        ? { recommendationId, userId, timestamp, policy, shown: shown ?? [] }
        : { recommendationId, userId, timestamp, policy, shown: shown ?? [], sessionId },
    );
    this.applyStored(served.flatMap(slateImpressions), { own: true });
    feed?.publish({ kind: 'slates-served', origin: this.origin, slates: served });
  }

  /** Stored events into trending, the per-user cache (which already has the runtime's own impressions) and the feedback loop. */
  private applyStored(events: readonly Event[], { own }: { own: boolean }): void {
    this.published.observe(events);
    this.snapshots.addTrends(events);
    if (!own) this.recent.observe(events);
    this.serving.feedback.observe(events);
  }

  private warn(message: string, error: unknown): void {
    (this.options.warn ?? ((m, e) => console.warn(`curio: ${m}:`, e)))(message, error);
  }
}
