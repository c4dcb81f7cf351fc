import type { Config, Event } from '../core/index.js';
import {
  countPrivacy,
  cryptoNoiseSource,
  largeEnough,
  laplaceScale,
  noisyTopK,
  type CountPrivacy,
  type ItemCount,
  type NoiseSource,
} from '../privacy/index.js';
import type { ItemAudience, Store } from '../store/index.js';
import { RecentAudiences } from './recent-audiences.js';

/**
 * Trending counts look back this many half-lives of `serving.trendingHalfLifeHours` from the newest stored
 * behaviour (older behaviour weighs under 1/16 in the live trend counters).
 */
export const TRENDING_WINDOW_HALF_LIVES = 4;

/** The noise of one published vector of item counts. */
export interface CountNoise {
  /** ε this vector spends; a release publishes two (trending and popular), each at half of `privacy.epsilon`. */
  epsilon: number;
  /** `privacy.maxItemsPerUser`: one user adds at most 1 to that many items' counts (L1). */
  sensitivity: number;
  /** Laplace scale sensitivity / ε. */
  scale: number;
}

/** Who may be listed, for one list (trending or popular), in one release. */
export interface PublishedList {
  /** Items whose published audience is at least `privacy.minGroupSize` (and at least 1). */
  allowed: ReadonlySet<string>;
  /** Under ε: the allowed items by noised audience, best first, with it; null when counts are exact (live scores rank). */
  ranked: readonly ItemCount[] | null;
  /** Items with some audience but fewer than `minGroupSize` users (by the published count): left out. */
  suppressed: number;
}

/** One release of the published item counts (docs/privacy.md, "Safe aggregates"). */
export interface ItemRelease {
  releasedAt: number;
  minGroupSize: number;
  trending: PublishedList;
  popular: PublishedList;
  noise: CountNoise | null;
}

export interface ReleaseOptions {
  minGroupSize: number;
  /** null: exact counts. */
  epsilon: number | null;
  maxItemsPerUser: number;
  noise?: NoiseSource;
}

/**
 * One release from the audiences read from the store: over the whole catalogue (`catalogue`, so which items
 * had no audience is not revealed by their absence), each count noised under ε (ε/2 per list, sensitivity
 * `maxItemsPerUser`), then thresholded at k: both post-processing of the noised counts.
 */
export function releaseItemCounts(
  catalogue: readonly string[],
  audiences: { trending: readonly ItemAudience[]; popular: readonly ItemAudience[] },
  options: ReleaseOptions,
  releasedAt: number,
): ItemRelease {
  const privacy = options.epsilon === null ? countPrivacy('off') : countPrivacy(options.epsilon / 2, options.maxItemsPerUser);
  const source = options.noise ?? cryptoNoiseSource;
  const list = (audience: readonly ItemAudience[]) => publishList(catalogue, audience, privacy, options.minGroupSize, source);
  return {
    releasedAt,
    minGroupSize: options.minGroupSize,
    trending: list(audiences.trending),
    popular: list(audiences.popular),
    noise: privacy.mode === 'exact' ? null : { epsilon: privacy.epsilon, sensitivity: privacy.sensitivity, scale: laplaceScale(privacy) },
  };
}

function publishList(
  catalogue: readonly string[],
  audience: readonly ItemAudience[],
  privacy: CountPrivacy,
  minGroupSize: number,
  source: NoiseSource,
): PublishedList {
  const users = new Map(audience.map((a) => [a.itemId, a.users]));
  const counts: ItemCount[] = catalogue.map((item) => ({ item, count: users.get(item) ?? 0 }));
  // Exact: the true counts as they are. Under ε every catalogue item is noised (noisyTopK over all of them).
  const published = privacy.mode === 'exact' ? counts : noisyTopK(counts, counts.length, privacy, source);
  const threshold = Math.max(1, minGroupSize);
  const ranked = published.filter((c) => largeEnough(c.count, threshold));
  const suppressed = published.filter((c) => c.count > 0 && c.count < threshold).length;
  return { allowed: new Set(ranked.map((c) => c.item)), ranked: privacy.mode === 'exact' ? null : ranked, suppressed };
}

/** The trending window in milliseconds. */
export const trendingWindowMs = (config: Config): number => TRENDING_WINDOW_HALF_LIVES * config.serving.trendingHalfLifeHours * 3_600_000;

export interface PublishedCountsOptions {
  store: Store;
  config: Config;
  /** The catalogue's item ids now (the domain every release covers). */
  catalogue: () => readonly string[];
  /** Told after each release (the snapshot re-gates its popular lists). */
  onRelease?: (release: ItemRelease) => void;
  clock?: () => number;
  noise?: NoiseSource;
  warn: (message: string, error: unknown) => void;
}

/**
 * The item counts Curio publishes, released every `privacy.releaseMinutes`: per item, the distinct users
 * (each bounded to their newest `privacy.maxItemsPerUser` items) in the trending window and over all
 * stored behaviour; items under `privacy.minGroupSize` users are not listed as trending or popular, and
 * with `privacy.epsilon` the lists are ranked by noised counts. Off (no release) when neither is set.
 */
export class PublishedCounts {
  private current: ItemRelease | null = null;
  private timer: NodeJS.Timeout | null = null;
  private releasing: Promise<void> | null = null;
  /** Items that reached k users since the release (exact counts only: under ε, only releases may decide). */
  private readonly live: RecentAudiences;

  constructor(private readonly options: PublishedCountsOptions) {
    const { config } = options;
    this.live = new RecentAudiences(config.privacy.minGroupSize, trendingWindowMs(config));
  }

  /** Live behaviour, stored: an item it brings to k distinct users may trend before the next release. */
  observe(events: readonly Event[]): void {
    if (this.active && this.options.config.privacy.epsilon === null) this.live.observe(events);
  }

  /** An erased user no longer counts towards any item's live audience. */
  forget(storedUserId: string): void {
    this.live.forget(storedUserId);
  }

  /** Whether an item may be listed as trending now: by the release, or (exact counts) by its live audience. */
  trendingAllowed(itemId: string): boolean {
    const release = this.current;
    if (!release) return true;
    return release.trending.allowed.has(itemId) || (release.noise === null && this.live.reaches(itemId));
  }

  /** Whether anything is gated: k-anonymity (`minGroupSize` > 1) or differential privacy (`epsilon`). */
  get active(): boolean {
    const { minGroupSize, epsilon } = this.options.config.privacy;
    return minGroupSize > 1 || epsilon !== null;
  }

  /** The release requests read; null while off or before the first one. */
  get release(): ItemRelease | null {
    return this.current;
  }

  /** Makes the first release and schedules the next ones. */
  async start(): Promise<void> {
    if (!this.active) return;
    await this.publish();
    const everyMs = this.options.config.privacy.releaseMinutes * 60_000;
    this.timer = setInterval(() => void this.publish(), everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.releasing;
  }

  /** Reads the audiences and releases them now (one release of ε); one at a time. */
  publish(): Promise<void> {
    this.releasing ??= this.readAndRelease()
      .catch((error: unknown) => this.options.warn('publishing item counts failed; the previous release stays', error))
      .finally(() => {
        this.releasing = null;
      });
    return this.releasing;
  }

  private async readAndRelease(): Promise<void> {
    const { store, config } = this.options;
    const { minGroupSize, epsilon, maxItemsPerUser } = config.privacy;
    const now = (this.options.clock ?? Date.now)();
    const [trending, popular] = await Promise.all([
      store.itemAudiences({ windowMs: trendingWindowMs(config), maxItemsPerUser }),
      store.itemAudiences({ maxItemsPerUser }),
    ]);
    const release = releaseItemCounts(
      this.options.catalogue(),
      { trending, popular },
      { minGroupSize, epsilon, maxItemsPerUser, noise: this.options.noise },
      now,
    );
    this.current = release;
    this.options.onRelease?.(release);
  }
}
