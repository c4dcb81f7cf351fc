import type { Config } from '../core/index.js';
import { categoryEmbedding, createPolicy, type Policy } from '../explore/index.js';
import type { Store } from '../store/index.js';
import { FeedbackLoop } from './feedback.js';
import { PolicyPersistence } from './policy-persistence.js';

export interface ServingPolicyOptions {
  serving: Config['serving'];
  store: Store;
  /** The category (the policy's cluster) of an item id, from the current snapshot. */
  clusterOf: (itemId: string) => string | undefined;
  warn: (message: string, error: unknown) => void;
}

/**
 * The explore/exploit policy a runtime serves with, the feedback loop that teaches it from stored
 * impressions and outcomes, and its saved state (restored at start, saved periodically and on stop).
 */
export class ServingPolicy {
  readonly feedback: FeedbackLoop;
  private current: Policy;
  private readonly persistence: PolicyPersistence;

  constructor(options: ServingPolicyOptions) {
    const { serving, store, clusterOf, warn } = options;
    this.current = createPolicy(serving.policy, serving.policyParams);
    this.feedback = new FeedbackLoop({
      policy: () => this.current,
      clusterOf,
      embeddingOf: (id) => categoryEmbedding(clusterOf(id)),
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

  /** Restores the saved policy state and starts the periodic saves. */
  async start(): Promise<void> {
    this.current = await this.persistence.start(this.current);
  }

  /** Stops the periodic saves and saves a last time. */
  stop(): Promise<void> {
    return this.persistence.stop();
  }
}
