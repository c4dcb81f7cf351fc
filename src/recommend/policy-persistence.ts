import { loadPolicy, type Policy, type PolicySnapshot } from '../explore/index.js';
import type { Store } from '../store/index.js';

/** The store state key of the serving policy's snapshot. */
export const POLICY_STATE_KEY = 'serving.policy';

export interface PolicyPersistenceOptions {
  store: Store;
  /** Save period; 0 = the policy is neither saved nor restored. */
  saveSeconds: number;
  /** The policy being served (the runtime swaps it on restore). */
  policy: () => Policy;
  /** A counter that grows with every update the policy received (feedback counts): unchanged means nothing to save. */
  updates: () => number;
  warn: (message: string, error: unknown) => void;
}

/** Object keys sorted at every level, so two params objects compare by value. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Why a saved snapshot cannot stand in for the configured policy, or null when it can. */
export function snapshotMismatch(saved: unknown, configured: PolicySnapshot): string | null {
  if (typeof saved !== 'object' || saved === null) return 'the saved policy state is not an object';
  const s = saved as Partial<PolicySnapshot>;
  if (s.policy !== configured.policy)
    return `the saved policy state is for "${String(s.policy)}", the configured policy is "${configured.policy}"`;
  if (canonical(s.params) !== canonical(configured.params)) {
    return `the saved ${configured.policy} state has params ${canonical(s.params)}, the configured ones are ${canonical(configured.params)}`;
  }
  return null;
}

/**
 * Keeps the serving policy's learned state (Thompson posteriors, LinUCB matrices, ...) across restarts:
 * restored at start when it was saved by the same policy with the same params, saved every `saveSeconds`
 * when it has changed, and on stop. Several servers on one store: the last one to save wins.
 */
export class PolicyPersistence {
  private timer: NodeJS.Timeout | null = null;
  private savedAt = -1;
  private saving: Promise<void> | null = null;
  private started = false;

  constructor(private readonly options: PolicyPersistenceOptions) {}

  /** The saved policy when it matches `fresh` (the configured one), else `fresh`; a mismatch is reported through warn. */
  async restore(fresh: Policy): Promise<Policy> {
    if (this.options.saveSeconds === 0) return fresh;
    this.savedAt = this.options.updates();
    try {
      const saved = await this.options.store.getState(POLICY_STATE_KEY);
      if (saved === null) return fresh;
      const mismatch = snapshotMismatch(saved, fresh.save());
      if (mismatch !== null) {
        this.options.warn(`${mismatch}; starting a fresh ${fresh.id} policy (the saved state is replaced at the next save)`, null);
        return fresh;
      }
      return loadPolicy(saved);
    } catch (error) {
      this.options.warn(`cannot restore the saved policy state; starting a fresh ${fresh.id} policy`, error);
      return fresh;
    }
  }

  /**
   * On the first call: the restored policy (see `restore`) and the periodic save started. Later calls
   * return `current` unchanged, so a second start never rolls the policy back to its last save.
   */
  async start(current: Policy): Promise<Policy> {
    if (this.options.saveSeconds === 0 || this.started) return current;
    this.started = true;
    const policy = await this.restore(current);
    this.timer = setInterval(() => void this.save(), this.options.saveSeconds * 1000);
    this.timer.unref();
    return policy;
  }

  /**
   * Saves the policy now when it has been updated since the last save (failures are reported, not thrown).
   * Nothing is saved before `start`: a runtime that never restored must not overwrite the saved state.
   */
  save(): Promise<void> {
    if (this.options.saveSeconds === 0 || !this.started) return Promise.resolve();
    this.saving ??= this.write().finally(() => {
      this.saving = null;
    });
    return this.saving;
  }

  /** Stops the periodic save and saves a last time. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.saving;
    await this.save();
  }

  private async write(): Promise<void> {
    const updates = this.options.updates();
    if (updates === this.savedAt) return;
    try {
      await this.options.store.putState(POLICY_STATE_KEY, this.options.policy().save());
      this.savedAt = updates;
    } catch (error) {
      this.options.warn('saving the policy state failed', error);
    }
  }
}
