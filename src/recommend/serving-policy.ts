import type { Config } from '../core/index.js';
import { categoryEmbedding, createPolicy, loadPolicy, type Policy, type PolicySnapshot } from '../explore/index.js';
import type { Store } from '../store/index.js';
import { FeedbackLoop, type SharedFeedback } from './feedback.js';
import { PolicyPersistence, snapshotMismatch } from './policy-persistence.js';
import type { SlateContexts } from './slate-contexts.js';

/** One policy update as a cluster's shared log hands it to every node. */
export interface SharedUpdate {
  itemId: string;
  reward: number;
  impression: boolean;
  position?: number;
}

/** The policy state a cluster's nodes share (`RedisPolicyLog`): the outcomes' log and a snapshot with its position. */
export interface SharedPolicyState extends SharedFeedback {
  loadSnapshot(): Promise<{ logId: string; snapshot: PolicySnapshot } | null>;
  /** Saves a snapshot as of the last update applied, unless a later one is saved. */
  saveSnapshot(snapshot: PolicySnapshot): Promise<boolean>;
  /** Applies every update after `fromId` (null: from now) in log order, until closed. */
  start(fromId: string | null, apply: (update: SharedUpdate) => void): Promise<void>;
  /** Deletes what is kept per served slate (its slots' de-duplication flags) for these slates of an erased user; resolves to the keys deleted. */
  forgetSlates?(recommendationIds: readonly string[]): Promise<number>;
}

export interface ServingPolicyOptions {
  serving: Config['serving'];
  store: Store;
  /** The category (the policy's cluster) of an item id, from the current snapshot. */
  clusterOf: (itemId: string) => string | undefined;
  warn: (message: string, error: unknown) => void;
  /** A cluster's shared policy state; without it the policy learns from what this process observes. */
  shared?: SharedPolicyState;
  /** The contexts of the slates served here, for policies that learn along the user vector. */
  contexts?: SlateContexts;
  /** The policy of a slate an experiment arm served with its own policy. */
  policyFor?: (recommendationId: string) => Policy | undefined;
}

/**
 * The explore/exploit policy a runtime serves with, the feedback loop that teaches it from stored
 * impressions and outcomes, and its saved state (restored at start, saved periodically and on stop).
 */
export class ServingPolicy {
  readonly feedback: FeedbackLoop;
  private current: Policy;
  private readonly persistence: PolicyPersistence;
  private sharedSaves: NodeJS.Timeout | null = null;

  constructor(private readonly options: ServingPolicyOptions) {
    const { serving, store, clusterOf, warn, shared } = options;
    this.current = createPolicy(serving.policy, serving.policyParams);
    this.feedback = new FeedbackLoop({
      policy: () => this.current,
      clusterOf,
      embeddingOf: (id) => categoryEmbedding(clusterOf(id)),
      contextOf: (recommendationId, itemId) => options.contexts?.get(recommendationId, itemId),
      policyFor: (recommendationId) => options.policyFor?.(recommendationId),
      shared,
    });
    this.persistence = new PolicyPersistence({
      store,
      saveSeconds: serving.policySaveSeconds,
      policy: () => this.current,
      updates: () => this.feedback.counts.impressions + this.feedback.counts.rewards,
      warn,
    });
  }

  /** The policy requests use now (replaced once, by the restored one, at start). */
  get policy(): Policy {
    return this.current;
  }

  /**
   * Restores the saved policy state and starts the periodic saves. In a cluster, the shared snapshot (when
   * it was taken by the same policy with the same params) replaces the store's, and the shared log is
   * applied from its position on.
   */
  async start(): Promise<void> {
    this.current = await this.persistence.start(this.current);
    const { shared, warn, serving } = this.options;
    if (!shared) return;
    let from: string | null = null;
    try {
      const saved = await shared.loadSnapshot();
      if (saved && snapshotMismatch(saved.snapshot, this.current.save()) === null) {
        this.current = loadPolicy(saved.snapshot);
        from = saved.logId;
      }
    } catch (error) {
      warn('cannot read the shared policy snapshot; joining the shared log from now', error);
    }
    await shared.start(from, (u) => this.feedback.update(u.itemId, u.reward, u.position, u.impression));
    const seconds = serving.policySaveSeconds > 0 ? serving.policySaveSeconds : 60;
    this.sharedSaves = setInterval(() => void this.saveShared(), seconds * 1000).unref();
  }

  /** Stops the periodic saves and saves a last time. */
  async stop(): Promise<void> {
    if (this.sharedSaves) clearInterval(this.sharedSaves);
    this.sharedSaves = null;
    if (this.options.shared) await this.saveShared();
    await this.persistence.stop();
  }

  private async saveShared(): Promise<void> {
    try {
      await this.options.shared?.saveSnapshot(this.current.save());
    } catch (error) {
      this.options.warn('saving the shared policy snapshot failed', error);
    }
  }
}
