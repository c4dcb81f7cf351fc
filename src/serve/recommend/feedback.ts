import type { Event } from '../../core/index.js';
import type { Policy } from '../../explore/index.js';

interface SlotState {
  /** The slot's impression has reached the policy (as reward 0 or with its reward). */
  counted: boolean;
  /** A click or purchase has reached the policy (rewards count once per slot). */
  rewarded: boolean;
}

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
  private readonly slates = new Map<string, Map<string, SlotState>>();
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

  private slot(recommendationId: string, itemId: string): SlotState {
    let slate = this.slates.get(recommendationId);
    if (!slate) {
      slate = new Map();
      this.slates.set(recommendationId, slate);
      if (this.slates.size > (this.options.maxSlates ?? 100_000)) {
        const oldest = this.slates.keys().next().value as string;
        this.slates.delete(oldest);
      }
    }
    let state = slate.get(itemId);
    if (!state) slate.set(itemId, (state = { counted: false, rewarded: false }));
    return state;
  }

  private impression(recommendationId: string, e: Event): void {
    const state = this.slot(recommendationId, e.itemId as string);
    if (state.counted) {
      this.counts.ignored++;
      return;
    }
    state.counted = true;
    this.counts.impressions++;
    this.options.policy().update({ ...this.describe(e.itemId as string), reward: 0, position: e.context.position });
  }

  private reward(recommendationId: string, e: Event): void {
    const state = this.slot(recommendationId, e.itemId as string);
    if (state.rewarded) {
      this.counts.ignored++;
      return;
    }
    const impression = !state.counted;
    state.counted = true;
    state.rewarded = true;
    this.counts.rewards++;
    this.options.policy().update({ ...this.describe(e.itemId as string), reward: 1, position: e.context.position, impression });
  }

  private describe(itemId: string): { itemId: string; cluster?: string; embedding?: Float32Array } {
    return { itemId, cluster: this.options.clusterOf(itemId), embedding: this.options.embeddingOf?.(itemId) };
  }
}
