import type { Event } from '../core/index.js';
import type { Policy } from '../explore/index.js';
import { FlagTable } from './flag-table.js';
import { pairHash } from './id-hash.js';
import type { SlotContext } from './slate-contexts.js';

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
  /** The policy that chose a slate when it was not the serving one (an experiment arm's). */
  policyFor?: (recommendationId: string) => Policy | undefined;
  /** What a slot was shown with, for policies that learn along the user vector (neural-thompson, neural-ucb). */
  contextOf?: (recommendationId: string, itemId: string) => SlotContext | undefined;
  /**
   * Slots (slate and item) remembered for de-duplication, the oldest forgotten first: a million holds the
   * last 100,000 slates of ten, minutes of traffic at hundreds of requests a second.
   */
  maxSlots?: number;
  /**
   * A log shared by every node of a cluster (`RedisPolicyLog`): outcomes go there instead of to the
   * policy, and come back to every node in one order. When it cannot take them they are applied here.
   */
  shared?: SharedFeedback;
}

/** Where a cluster's nodes send the slot outcomes they observe (see `src/cluster/redis-policy-log.ts`). */
export interface SharedFeedback {
  /** Resolves false when the outcomes could not be sent; the loop then applies them to its own policy. */
  submit(outcomes: readonly SlotOutcome[]): Promise<boolean>;
}

/** One slot outcome as a node observed it. */
export interface SlotOutcome {
  recommendationId: string;
  itemId: string;
  kind: 'impression' | 'reward';
  position?: number;
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
  /** While `observe` runs with a shared log: the outcomes to send, with what applying each here would be. */
  private outbox: Array<{
    outcome: SlotOutcome;
    itemId: string;
    reward: number;
    position: number | undefined;
    impression: boolean;
  }> | null = null;

  constructor(private readonly options: FeedbackOptions) {
    this.slots = new FlagTable(options.maxSlots ?? 1_000_000);
  }

  /** Applies the events (already stored) to the policy, or sends them to the shared log. */
  observe(events: readonly Event[]): void {
    const shared = this.options.shared;
    if (shared) this.outbox = [];
    for (const e of events) {
      const recommendationId = e.context.recommendationId;
      if (!recommendationId || e.itemId === null) continue;
      if (e.type === 'impression') this.impression(recommendationId, e);
      else if (REWARD_TYPES.has(e.type)) this.reward(recommendationId, e);
    }
    const outbox = this.outbox;
    this.outbox = null;
    if (!shared || !outbox || outbox.length === 0) return;
    void shared
      .submit(outbox.map((o) => o.outcome))
      .then((sent) => {
        if (!sent) for (const o of outbox) this.update(o.itemId, o.reward, o.position, o.impression);
      })
      .catch(() => undefined);
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
    this.learn(recommendationId, 'impression', e.itemId as string, 0, e.context.position, true, e.userId);
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
    this.learn(recommendationId, 'reward', e.itemId as string, 1, e.context.position, impression, e.userId);
  }

  /**
   * One update of a learning policy. A policy that does not learn (greedy, ε-greedy) is not called at all,
   * and a learning one gets one plain object: at 500 requests/s the two objects per slot this built before
   * (the item's description, then a spread copy) were most of what the old generation grew by (bisected
   * with --trace-gc-nvp; docs/serving.md, "Latency"), and with it the full collections that stall requests.
   */
  private learn(
    recommendationId: string,
    kind: SlotOutcome['kind'],
    itemId: string,
    reward: number,
    position: number | undefined,
    impression: boolean,
    userId: string,
  ): void {
    if (this.outbox) {
      if (!this.options.policy().capabilities.learns) return;
      const outcome: SlotOutcome =
        position === undefined ? { recommendationId, itemId, kind } : { recommendationId, itemId, kind, position };
      this.outbox.push({ outcome, itemId, reward, position, impression });
      return;
    }
    this.update(itemId, reward, position, impression, recommendationId, userId);
  }

  /**
   * Applies one update to the policy (also what a node does with each update the shared log hands it; the
   * shared log carries no slate context, so there a neural policy learns the item's bias only). With the
   * shopper's id, a neural policy also gets the hash of the shopper × item pair (never the ids) for its pair effect.
   */
  update(
    itemId: string,
    reward: number,
    position: number | undefined,
    impression: boolean,
    recommendationId?: string,
    userId?: string,
  ): void {
    const policy = (recommendationId !== undefined ? this.options.policyFor?.(recommendationId) : undefined) ?? this.options.policy();
    if (!policy.capabilities.learns) return;
    const embedding = policy.capabilities.usesEmbeddings ? this.options.embeddingOf?.(itemId) : undefined;
    const context = policy.capabilities.usesState && recommendationId ? this.options.contextOf?.(recommendationId, itemId) : undefined;
    if (!context) {
      policy.update({ itemId, cluster: this.options.clusterOf(itemId), embedding, reward, position, impression });
      return;
    }
    policy.update({
      itemId,
      cluster: this.options.clusterOf(itemId),
      embedding,
      reward,
      position,
      impression,
      ...(context.state ? { state: context.state } : {}),
      score: context.score,
      ...(context.uncertainty !== undefined ? { uncertainty: context.uncertainty } : {}),
      pair: userId !== undefined ? pairHash(userId, itemId) : undefined,
    });
  }
}
