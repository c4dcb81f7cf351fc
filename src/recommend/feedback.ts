import type { Event } from '../core/index.js';
import type { Policy } from '../explore/index.js';
import { FlagTable } from './flag-table.js';
import { pairHash } from './id-hash.js';

/** The slot's impression has reached the policy (as reward 0 or with its reward). */
const COUNTED = 1;
/** A click or purchase has reached the policy (rewards count once per slot). */
const REWARDED = 2;

/** Outcomes that count as reward 1, as in off-policy evaluation (`readStoreLogs`). */
const REWARD_TYPES = new Set(['click', 'purchase']);

export interface FeedbackOptions {
  policy: () => Policy;
  /** The category (policy cluster) of an item id. */
  clusterOf: (itemId: string) => string | undefined;
  /** The item's embedding, for policies that learn from embeddings (LinUCB). */
  embeddingOf?: (itemId: string) => Float32Array | undefined;
  /**
   * Slots (slate and item) remembered for de-duplication, the oldest forgotten first: a million holds the
   * last 100,000 slates of ten, minutes of traffic at hundreds of requests a second.
   */
  maxSlots?: number;
}

export interface FeedbackCounts {
  impressions: number;
  rewards: number;
  ignored: number;
}

/**
 * Turns stored events that carry a `recommendationId` into policy updates at once: an impression is a
 * reward-0 observation, the first click or purchase on that slot turns it into reward 1. Each slot
 * counts once whatever order events arrive in and however often they are retried (the store already
 * drops duplicate event ids; this drops a second impression or reward for the same slot).
 */
export class FeedbackLoop {
  /** Per slot, keyed by the hash of (recommendationId, itemId): COUNTED and REWARDED. */
  private readonly slots: FlagTable;
  readonly counts: FeedbackCounts = { impressions: 0, rewards: 0, ignored: 0 };

  constructor(private readonly options: FeedbackOptions) {
    this.slots = new FlagTable(options.maxSlots ?? 1_000_000);
  }

  /** Applies the events (already stored) to the policy. */
  observe(events: readonly Event[]): void {
    for (const e of events) {
      const recommendationId = e.context.recommendationId;
      if (!recommendationId || e.itemId === null) continue;
      if (e.type === 'impression') this.impression(recommendationId, e);
      else if (REWARD_TYPES.has(e.type)) this.reward(recommendationId, e);
    }
  }

  private impression(recommendationId: string, e: Event): void {
    const slot = pairHash(recommendationId, e.itemId as string);
    const flags = this.slots.get(slot);
    if (flags & COUNTED) {
      this.counts.ignored++;
      return;
    }
    this.slots.set(slot, flags | COUNTED);
    this.counts.impressions++;
    this.learn(e.itemId as string, 0, e.context.position, true);
  }

  private reward(recommendationId: string, e: Event): void {
    const slot = pairHash(recommendationId, e.itemId as string);
    const flags = this.slots.get(slot);
    if (flags & REWARDED) {
      this.counts.ignored++;
      return;
    }
    const impression = !(flags & COUNTED);
    this.slots.set(slot, flags | COUNTED | REWARDED);
    this.counts.rewards++;
    this.learn(e.itemId as string, 1, e.context.position, impression);
  }

  /**
   * One update of a learning policy. A policy that does not learn (greedy, ε-greedy) is not called at all,
   * and a learning one gets one plain object: at 500 requests/s the two objects per slot this built before
   * (the item's description, then a spread copy) were most of what the old generation grew by (bisected
   * with --trace-gc-nvp; docs/serving.md, "Latency"), and with it the full collections that stall requests.
   */
  private learn(itemId: string, reward: number, position: number | undefined, impression: boolean): void {
    const policy = this.options.policy();
    if (!policy.capabilities.learns) return;
    const embedding = policy.capabilities.usesEmbeddings ? this.options.embeddingOf?.(itemId) : undefined;
    policy.update({ itemId, cluster: this.options.clusterOf(itemId), embedding, reward, position, impression });
  }
}
