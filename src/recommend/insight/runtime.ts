import { CurioError, parseOrThrow, type Config, type Item } from '../../core/index.js';
import { segmentUsers, trainIntentModel, trainTagger, type IntentModel, type Segmentation, type Tagger } from '../../interest/index.js';
import type { Store } from '../../store/index.js';
import { CachedModel, type CacheStatus } from './cached-model.js';
import { insightSettingsSchema, type InsightSettings, type InsightSettingsInput } from './settings.js';
import { behaviourEvents, catalogue, personalizationRefused } from './store-reads.js';
import { publishSegments, type PublishedSegments } from './published-segments.js';
import type { NoiseSource } from '../../privacy/index.js';

export interface InsightRuntimeOptions {
  config: Config;
  store: Store;
  settings?: InsightSettingsInput;
  clock?: () => number;
  warn?: (message: string, error: unknown) => void;
  /** The noise of published segment sizes (`privacy.epsilon`); the operating system's CSPRNG by default. */
  noise?: NoiseSource;
  /** Item pictures' embeddings by item id: the tagger learns categories and tags from looks too (docs/pictures.md). */
  pictureEmbeddings?: () => ReadonlyMap<string, Float32Array> | null;
}

/** A trained tagger and what it learned from. */
export interface TaggerBuild {
  tagger: Tagger;
  labelledItems: number;
  events: number;
}

/** What /v1/segments serves: the segmentation and who was left out of it. */
export interface SegmentsBuild {
  segmentation: Segmentation;
  /** Users with events who refused personalisation (not profiled, not in any segment). */
  excludedUsers: number;
  /** What may be shown of it (k-anonymous, sizes noised under `privacy.epsilon`), drawn once per build. */
  published: PublishedSegments;
}

/** A model the store cannot support yet (too few users, no labels) is a conflict with the data, not a bad request. */
function asConflict(error: unknown): never {
  if (error instanceof CurioError && error.code === 'BAD_INPUT')
    throw new CurioError('CONFLICT', `not enough data: ${error.message}`, { cause: error });
  throw error;
}

/**
 * The interest-mining models the API serves: segmentation, auto-tagger and purchase-intent model, each built
 * from the store on first use and cached with a TTL. Per-user answers (interests, a user's segment, intent)
 * always read the user's latest events, so only these shared models can be stale.
 */
export class InsightRuntime {
  readonly settings: InsightSettings;
  readonly segments: CachedModel<SegmentsBuild>;
  readonly tagger: CachedModel<TaggerBuild>;
  readonly intent: CachedModel<IntentModel>;

  constructor(private readonly options: InsightRuntimeOptions) {
    const s = (this.settings = parseOrThrow(insightSettingsSchema, options.settings ?? {}, 'insight settings'));
    const common = { clock: options.clock, warn: options.warn };
    this.segments = new CachedModel({
      ...common,
      name: 'segments',
      ttlSeconds: s.segmentsTtlSeconds,
      build: () => this.buildSegments().catch(asConflict),
    });
    this.tagger = new CachedModel({
      ...common,
      name: 'tagger',
      ttlSeconds: s.taggerTtlSeconds,
      build: () => this.buildTagger().catch(asConflict),
    });
    this.intent = new CachedModel({
      ...common,
      name: 'intent',
      ttlSeconds: s.intentTtlSeconds,
      build: () => this.buildIntent().catch(asConflict),
    });
  }

  /** The time requests are answered at (epoch ms). */
  now(): number {
    return (this.options.clock ?? Date.now)();
  }

  /** Cache state of the three models (null = not built yet). */
  status(): Record<'segments' | 'tagger' | 'intent', CacheStatus | null> {
    return { segments: this.segments.status(), tagger: this.tagger.status(), intent: this.intent.status() };
  }

  /**
   * An erased user (by stored id) leaves the segmentation served now (their row of the CSV export and of
   * every segment lookup), and every cached model they were trained into is stale: the next read rebuilds it.
   */
  forgetUser(storedUserId: string): void {
    this.segments.forget((build) => ({
      ...build,
      segmentation: { ...build.segmentation, users: build.segmentation.users.filter((u) => u.userId !== storedUserId) },
    }));
    this.tagger.forget();
    this.intent.forget();
  }

  /**
   * A user (stored id) refused personalisation: their row leaves the segmentation served now (the CSV export
   * and every lookup) and they count as excluded; the segmentation is stale, rebuilt without them on the next
   * read. The tagger and intent model learn from everyone's behaviour, not a profile of theirs: they stay.
   */
  personalizationWithdrawn(storedUserId: string): void {
    // A shop may PUT its refusing users again and again: only a segmentation that holds them (or one being built) is touched.
    const served = this.segments.peek();
    const held = served?.segmentation.users.some((u) => u.userId === storedUserId) ?? false;
    if (!held && !this.segments.building) return;
    this.segments.forget((build) => {
      const users = build.segmentation.users.filter((u) => u.userId !== storedUserId);
      if (users.length === build.segmentation.users.length) return build;
      return { ...build, segmentation: { ...build.segmentation, users }, excludedUsers: build.excludedUsers + 1 };
    });
  }

  /** Resolves when no model is being built. */
  async idle(): Promise<void> {
    await Promise.all([this.segments.idle(), this.tagger.idle(), this.intent.idle()]);
  }

  private async buildSegments(): Promise<SegmentsBuild> {
    const { store, config } = this.options;
    const all = await behaviourEvents(store);
    // Segment membership is a profile: users who refused personalisation are left out entirely.
    const refused = await personalizationRefused(
      store,
      all.map((e) => e.userId),
    );
    const events = refused.size ? all.filter((e) => !refused.has(e.userId)) : all;
    const items = await catalogue(store);
    const s = this.settings;
    const segmentation = segmentUsers(events, items, {
      k: s.segmentCount ?? undefined,
      maxK: s.maxSegments,
      seed: s.seed,
      weights: config.events.weights,
    });
    const { minGroupSize, epsilon } = config.privacy;
    const published = publishSegments(segmentation.model.segments, { minGroupSize, epsilon, noise: this.options.noise });
    return { segmentation, excludedUsers: refused.size, published };
  }

  private async buildTagger(): Promise<TaggerBuild> {
    const { store } = this.options;
    const items: Item[] = [...(await catalogue(store)).values()];
    const events = await behaviourEvents(store);
    const embeddings = this.options.pictureEmbeddings?.() ?? undefined;
    const tagger = trainTagger(items, { events, seed: this.settings.seed, ...(embeddings?.size ? { embeddings } : {}) });
    const labelledItems = items.filter((i) => i.categoryPath.length > 0 || i.tags.length > 0).length;
    return { tagger, labelledItems, events: events.length };
  }

  private async buildIntent(): Promise<IntentModel> {
    const events = await behaviourEvents(this.options.store);
    const items = await catalogue(this.options.store);
    return trainIntentModel(events, items, { nextEvents: this.settings.intentNextEvents });
  }
}
