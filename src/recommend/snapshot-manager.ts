import type { Config, Event } from '../core/index.js';
import type { Store } from '../store/index.js';
import type { AnnMemo } from './ann-cache.js';
import type { ItemTable } from './item-table.js';
import { LiveLists } from './live-lists.js';
import { UserVectorCaches } from './user-vectors.js';
import { readStoreDataset, type ModelProvider } from './model-source.js';
import type { ProvidedModel } from './model-source.js';
import type { ItemRelease } from './published-counts.js';
import {
  buildSnapshot,
  emptySnapshot,
  withModel,
  withoutUser,
  withPublishedPopular,
  type BuildSnapshotOptions,
  type ServingSnapshot,
} from './snapshot.js';

export interface StoreSnapshotOptions extends Omit<BuildSnapshotOptions, 'dataset' | 'served'> {
  models: ModelProvider;
}

/** Reads the store's dataset, asks the provider for the model and builds a snapshot around it. */
export async function buildStoreSnapshot(options: StoreSnapshotOptions): Promise<ServingSnapshot> {
  const { models, ...rest } = options;
  const dataset = await readStoreDataset(options.store);
  return buildSnapshot({ ...rest, dataset, served: await models(dataset) });
}

export interface SnapshotManagerOptions {
  config: Config;
  store: Store;
  models: ModelProvider;
  /** How stale the trending / new-item lists may get under a stream of events; default 0 (always current). */
  liveListMaxStaleMs?: number;
  clock?: () => number;
  warn: (message: string, error: unknown) => void;
  /** Where a new model's HNSW graph is built; default a thread of its own, so requests do not wait for it. */
  annBuild?: 'thread' | 'here';
  /** The published item counts that gate the popular and trending lists (k-anonymity, ε); none: ungated. */
  release?: () => ItemRelease | null;
  /** Whether an item may trend now (see LiveListsOptions). */
  trendingAllowed?: (itemId: string) => boolean;
}

/**
 * Owns what requests read: the current snapshot and its live lists. Builds the next one in the background
 * (one build at a time, on a timer), replays onto it the catalogue and trend changes made while it was
 * being built, and swaps it in at once. Keeps the ANN index across builds when the embeddings are unchanged.
 */
export class SnapshotManager {
  private snap: ServingSnapshot;
  private live: LiveLists;
  private building: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The last snapshot's ANN index, reused by the next build when the embeddings are unchanged. */
  private readonly annMemo: AnnMemo = {};
  /** The user vectors of the serving model and the one before it, reused by a rebuild or a rollback. */
  private readonly vectorCaches = new UserVectorCaches();
  /** Table changes made while a new snapshot is being built, replayed onto it at the swap. */
  private pending: Array<(table: ItemTable) => void> | null = null;
  /** A model given with `useModel` (a registry version): served by every later build instead of asking the provider. */
  private pinned: ProvidedModel | null = null;
  /** Bumped by `useModel`, so a build that started before a swap serves the swapped-in model too. */
  private swaps = 0;
  private readonly swapPending = new Set<Array<(table: ItemTable) => void>>();
  /** Builds and swaps in progress, and the users erased since the oldest of them started (forgotten again in what they install). */
  private working = 0;
  private readonly erasedMeanwhile = new Set<string>();

  constructor(private readonly options: SnapshotManagerOptions) {
    this.snap = emptySnapshot(options.config.serving);
    this.live = this.liveLists(this.snap);
  }

  /** The snapshot requests currently read. */
  get snapshot(): ServingSnapshot {
    return this.snap;
  }

  /** The trending and new-item lists over the current snapshot's table. */
  get lists(): LiveLists {
    return this.live;
  }

  /** Builds the first snapshot and starts the background refresh (`serving.refreshIntervalSeconds`). */
  async start(): Promise<void> {
    await this.refresh();
    const seconds = this.options.config.serving.refreshIntervalSeconds;
    if (seconds > 0 && !this.timer) {
      this.timer = setInterval(
        () => void this.refresh().catch((e: unknown) => this.options.warn('model refresh failed', e)),
        seconds * 1000,
      );
      this.timer.unref();
    }
  }

  /** Stops the refresh timer and waits for a build in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.building?.catch(() => undefined);
  }

  /** Builds a snapshot from the store (the provider fits or loads the model) and swaps it in; one build at a time. */
  refresh(): Promise<void> {
    this.building ??= this.rebuild().finally(() => {
      this.building = null;
    });
    return this.building;
  }

  /** A build that reads the store from now on: one already running (which read it before) is waited for first. */
  async refreshFromNow(): Promise<void> {
    await this.building?.catch(() => undefined);
    return this.refresh();
  }

  /**
   * Serves this model from now on: swapped into the current snapshot at once (the catalogue, co-visitation
   * and popularity are renumbered, nothing is read from the store) and kept by every later build.
   */
  async useModel(served: ProvidedModel): Promise<void> {
    this.pinned = served;
    const swap = ++this.swaps;
    // Changes made while the swap awaits (an ANN index build) are replayed onto its table.
    const during: Array<(table: ItemTable) => void> = [];
    this.swapPending.add(during);
    this.working++;
    try {
      const next = await withModel(this.snap, served, this.annOptions());
      if (swap !== this.swaps) return; // a newer swap won
      for (const apply of during) apply(next.items);
      this.install(next);
    } finally {
      this.swapPending.delete(during);
      this.doneWorking();
    }
  }

  /** The current snapshot with another model in it, not installed (an experiment arm's model version). */
  async derive(served: ProvidedModel): Promise<ServingSnapshot> {
    return withPublishedPopular(await withModel(this.snap, served, this.annOptions()), this.options.release?.() ?? null);
  }

  /** Applies a table change now and, during a rebuild, again to the table being built. */
  change(apply: (table: ItemTable) => void): void {
    apply(this.snap.items);
    this.pending?.push(apply);
    for (const list of this.swapPending) list.push(apply);
  }

  /** Adds stored events' behaviour weights to the trending counters. */
  addTrends(events: readonly Event[]): void {
    const weights = this.options.config.events.weights;
    this.change((t) => {
      for (const e of events) {
        const w = weights[e.type];
        if (e.itemId !== null && w > 0) t.addTrend(t.ensure(e.itemId), w, e.timestamp);
      }
    });
  }

  /** Whether the serving model keeps a parameter row for this stored user id. */
  holdsUser(storedUserId: string): boolean {
    return this.snap.userRows?.has(storedUserId) === true;
  }

  /**
   * An erased user leaves the serving model: their parameter row is zeroed in the model itself and their id
   * leaves the snapshot, the registry version it keeps serving and any build or swap in progress (which may
   * have read the store before the erasure). The user vectors cached by state go too: one may be theirs.
   */
  forgetUser(storedUserId: string): void {
    this.snap = withoutUser(this.snap, storedUserId);
    if (this.pinned?.userIds?.includes(storedUserId)) {
      this.pinned = { ...this.pinned, userIds: this.pinned.userIds.map((id) => (id === storedUserId ? '' : id)) };
    }
    if (this.working > 0) this.erasedMeanwhile.add(storedUserId);
    this.vectorCaches.clear();
    this.snap.userVectors?.clear();
  }

  /** The catalogue's own string for an item id (ids it does not know are returned as they are). */
  internItemId(itemId: string): string {
    const index = this.snap.items.indexOf.get(itemId);
    return index === undefined ? itemId : this.snap.items.ids[index];
  }

  /** The item's category (the policy's cluster). */
  clusterOf(itemId: string): string | undefined {
    const index = this.snap.items.indexOf.get(itemId);
    return index === undefined ? undefined : (this.snap.items.categoryOf(index) ?? undefined);
  }

  private async rebuild(): Promise<void> {
    const { config, store, models } = this.options;
    this.pending = [];
    this.working++;
    const swapsAtStart = this.swaps;
    const pinned = this.pinned;
    try {
      const options = { store, eventWeights: config.events.weights, minGroupSize: config.privacy.minGroupSize, ...this.annOptions() };
      let next: ServingSnapshot;
      if (pinned?.lists) {
        // A registry version brings its lists: the event history is not read, and the live trends stay.
        next = await buildSnapshot({ ...options, dataset: null, served: pinned });
      } else {
        next = await buildStoreSnapshot({ ...options, models: pinned ? async () => pinned : models });
      }
      for (const apply of this.pending) apply(next.items);
      // After the replay: the live table already holds every change made during the build.
      if (pinned?.lists) next.items.takeTrendsFrom(this.snap.items);
      if (this.swaps !== swapsAtStart && this.pinned) next = await withModel(next, this.pinned, this.annOptions());
      this.install(next);
    } finally {
      this.pending = null;
      this.doneWorking();
    }
  }

  /** Swaps a new snapshot in, without the users erased while it was being made. */
  private install(next: ServingSnapshot): void {
    for (const id of this.erasedMeanwhile) next = withoutUser(next, id);
    this.snap = withPublishedPopular(next, this.options.release?.() ?? null);
    this.live = this.liveLists(next);
  }

  private doneWorking(): void {
    if (--this.working === 0) this.erasedMeanwhile.clear();
  }

  private annOptions() {
    return {
      serving: this.options.config.serving,
      seed: this.options.config.serving.seed ?? 1,
      annMemo: this.annMemo,
      vectorCaches: this.vectorCaches,
      warn: this.options.warn,
      annBuild: this.options.annBuild,
    };
  }

  private liveLists(snap: ServingSnapshot): LiveLists {
    return new LiveLists(snap.items, {
      newItemDays: this.options.config.serving.newItemDays,
      maxStaleMs: this.options.liveListMaxStaleMs ?? 0,
      clock: this.options.clock,
      release: this.options.release,
      trendingAllowed: this.options.trendingAllowed,
    });
  }

  /** A new release of the published item counts: the current snapshot's popular lists follow it (trending reads it itself). */
  released(release: ItemRelease): void {
    this.snap = withPublishedPopular(this.snap, release);
  }
}
