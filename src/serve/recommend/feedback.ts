import type { Event } from '../../core/index.js';
import type { Policy } from '../../explore/index.js';

/** The slot's impression has reached the policy (as reward 0 or with its reward). */
const COUNTED = 1;
/** A click or purchase has reached the policy (rewards count once per slot). */
const REWARDED = 2;

/**
 * The slots of one slate seen so far, item id then flags, one pair per slot: a server remembers ~100k
 * slates, and one array per slate (instead of an object, or a Map and an object per slot) keeps the
 * objects a full GC has to mark few.
 */
type SlateState = Array<string | number>;

/** Outcomes that count as reward 1, as in off-policy evaluation (`readStoreLogs`). */
const REWARD_TYPES = new Set(['click', 'purchase']);

export interface FeedbackOptions {
  policy: () => Policy;
  /** The category (policy cluster) of an item id. */
  clusterOf: (itemId: string) => string | undefined;
  /** The item's embedding, for policies that learn from embeddings (LinUCB). */
  embeddingOf?: (itemId: string) => Float32Array | undefined;
  /** Slates remembered for de-duplication; the oldest are forgotten first. */
  maxSlates?: number;
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
  private readonly slates = new Map<string, SlateState>();
  readonly counts: FeedbackCounts = { impressions: 0, rewards: 0, ignored: 0 };

  constructor(private readonly options: FeedbackOptions) {}

  /** Applies the events (already stored) to the policy. */
  observe(events: readonly Event[]): void {
    for (const e of events) {
      const recommendationId = e.context.recommendationId;
      if (!recommendationId || e.itemId === null) continue;
      if (e.type === 'impression') this.impression(recommendationId, e);
      else if (REWARD_TYPES.has(e.type)) this.reward(recommendationId, e);
    }
  }

  /** The slate's state and the index of the slot's flags in it (the slot is added when first seen). */
  private slot(recommendationId: string, itemId: string): { slate: SlateState; at: number } {
    let slate = this.slates.get(recommendationId);
    if (!slate) {
      slate = [];
      this.slates.set(recommendationId, slate);
      if (this.slates.size > (this.options.maxSlates ?? 100_000)) {
        const oldest = this.slates.keys().next().value as string;
        this.slates.delete(oldest);
      }
    }
    let at = 1 + slate.indexOf(itemId);
    if (at === 0) at = slate.push(itemId, 0) - 1;
    return { slate, at };
  }

  private impression(recommendationId: string, e: Event): void {
    const { slate, at } = this.slot(recommendationId, e.itemId as string);
    const flags = slate[at] as number;
    if (flags & COUNTED) {
      this.counts.ignored++;
      return;
    }
    slate[at] = flags | COUNTED;
    this.counts.impressions++;
    this.options.policy().update({ ...this.describe(e.itemId as string), reward: 0, position: e.context.position });
  }

  private reward(recommendationId: string, e: Event): void {
    const { slate, at } = this.slot(recommendationId, e.itemId as string);
    const flags = slate[at] as number;
    if (flags & REWARDED) {
      this.counts.ignored++;
      return;
    }
    const impression = !(flags & COUNTED);
    slate[at] = flags | COUNTED | REWARDED;
    this.counts.rewards++;
    this.options.policy().update({ ...this.describe(e.itemId as string), reward: 1, position: e.context.position, impression });
  }

  private describe(itemId: string): { itemId: string; cluster?: string; embedding?: Float32Array } {
    return { itemId, cluster: this.options.clusterOf(itemId), embedding: this.options.embeddingOf?.(itemId) };
  }
}
