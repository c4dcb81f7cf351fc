import type { EpochMs, EventType } from '../../core/index.js';
import type { Candidate } from '../../explore/index.js';
import type { Store } from '../../store/index.js';

/** One logged slot of a Curio recommendation and whether it earned a reward. */
export interface LoggedImpression {
  itemId: string;
  /** 0-based slot. */
  position: number;
  /** The logging policy's propensity of this item in this slot. */
  propensity: number;
  /** 1 when the same user clicked or bought this item under the same recommendation id, else 0. */
  reward: number;
}

/** All logged slots of one recommendation (one `recommendationId`). */
export interface LoggedSlate {
  recommendationId: string;
  userId: string;
  timestamp: EpochMs;
  policy: string | null;
  impressions: LoggedImpression[];
  /** What the logging policy chose from (its logged decision), in the order it received them; absent in logs without decisions. */
  candidates?: Candidate[];
}

export interface StoreLogs {
  slates: LoggedSlate[];
  /** Impressions of pinned items (placed by the shop, not the policy), left out. */
  pinnedImpressions: number;
  /** Impression events that cannot be used: no recommendationId, position or valid propensity. */
  skippedImpressions: number;
  /** Reward events that matched no earlier impression. */
  unmatchedRewards: number;
  /** Slates whose logged decision (candidate set) was found. */
  slatesWithCandidates: number;
}

export interface ReadStoreLogsOptions {
  from?: EpochMs;
  to?: EpochMs;
  /** Outcome types that count as reward 1. Default click and purchase. */
  rewardTypes?: EventType[];
}

const key = (recommendationId: string, userId: string, itemId: string): string => `${recommendationId}\u0000${userId}\u0000${itemId}`;
const slateKey = (recommendationId: string, userId: string): string => `${recommendationId}\u0000${userId}`;

/** Attaches each slate's logged decision (same recommendationId and user, same time range); returns how many matched. */
async function attachDecisions(store: Store, slates: ReadonlyMap<string, LoggedSlate>, options: ReadStoreLogsOptions): Promise<number> {
  let matched = 0;
  for await (const d of store.scanDecisions({ from: options.from, to: options.to })) {
    const slate = slates.get(slateKey(d.recommendationId, d.userId));
    if (!slate || slate.candidates || d.candidates.length === 0) continue;
    slate.candidates = d.candidates;
    matched++;
  }
  return matched;
}

/**
 * Reads logged slates from a store: the server's slate records (decisions carrying `shown`: items in
 * order, propensities, pin marks; `serving.impressionLog` 'slate'), and `impression` events carrying context {recommendationId, position,
 * policy, propensity} (the policy's `slot` when a pin shifted the item; pinned items are left out); a later reward event by the same user on the same item with the same
 * recommendationId sets that slot's reward to 1. A slate whose decision the serving runtime logged
 * (`Store.appendDecisions`) carries the candidate set the logging policy chose from. Slates come back in time order.
 */
export async function readStoreLogs(store: Store, options: ReadStoreLogsOptions = {}): Promise<StoreLogs> {
  const rewardTypes = new Set<EventType>(options.rewardTypes ?? ['click', 'purchase']);
  const slates = new Map<string, LoggedSlate>();
  const byKey = new Map<string, LoggedImpression>();
  let skippedImpressions = 0;
  let unmatchedRewards = 0;
  let pinnedImpressions = 0;
  const pinned = new Set<string>();
  let slatesWithCandidates = 0;
  // Slates the server logged as one record each ('slate' mode): shown items with propensities and pin marks.
  for await (const d of store.scanDecisions({ from: options.from, to: options.to })) {
    if (!d.shown) continue;
    const slate: LoggedSlate = {
      recommendationId: d.recommendationId,
      userId: d.userId,
      timestamp: d.timestamp,
      policy: d.policy,
      impressions: [],
    };
    d.shown.forEach((s, shownAt) => {
      if (s.slot === null) {
        pinnedImpressions++;
        pinned.add(key(d.recommendationId, d.userId, s.itemId));
        return;
      }
      if (!(s.propensity > 0 && s.propensity <= 1)) {
        skippedImpressions++;
        return;
      }
      const impression = { itemId: s.itemId, position: s.slot ?? shownAt, propensity: s.propensity, reward: 0 };
      slate.impressions.push(impression);
      byKey.set(key(d.recommendationId, d.userId, s.itemId), impression);
    });
    if (slate.impressions.length === 0) continue;
    if (d.candidates.length > 0) {
      slate.candidates = d.candidates;
      slatesWithCandidates++;
    }
    slates.set(slateKey(d.recommendationId, d.userId), slate);
  }
  const events = store.scanEvents({ from: options.from, to: options.to, types: ['impression', ...rewardTypes] });
  for await (const e of events) {
    const { recommendationId, propensity, policy } = e.context;
    // The policy's slot is what its propensity is for; a pin shows the item one or more slots later.
    const position = e.context.slot ?? e.context.position;
    if (e.type === 'impression' && e.context.pinned === true) {
      // Placed by the shop, not chosen by the policy: no decision of the policy to evaluate.
      pinnedImpressions++;
      if (recommendationId && e.itemId) pinned.add(key(recommendationId, e.userId, e.itemId));
      continue;
    }
    if (e.type === 'impression') {
      const usable =
        recommendationId &&
        e.itemId &&
        Number.isInteger(position) &&
        (position as number) >= 0 &&
        typeof propensity === 'number' &&
        propensity > 0 &&
        propensity <= 1;
      if (!usable) {
        skippedImpressions++;
        continue;
      }
      // A slot the server's slate record already logged (a shop may send its own impression of it too).
      if (byKey.has(key(recommendationId as string, e.userId, e.itemId as string))) continue;
      const k = slateKey(recommendationId as string, e.userId);
      let slate = slates.get(k);
      if (!slate) {
        slate = {
          recommendationId: recommendationId as string,
          userId: e.userId,
          timestamp: e.timestamp,
          policy: policy ?? null,
          impressions: [],
        };
        slates.set(k, slate);
      }
      const impression = { itemId: e.itemId as string, position: position as number, propensity: propensity as number, reward: 0 };
      slate.impressions.push(impression);
      byKey.set(key(recommendationId as string, e.userId, impression.itemId), impression);
    } else {
      const impression = recommendationId && e.itemId ? byKey.get(key(recommendationId, e.userId, e.itemId)) : undefined;
      if (impression) impression.reward = 1;
      else if (!(recommendationId && e.itemId && pinned.has(key(recommendationId, e.userId, e.itemId)))) unmatchedRewards++;
    }
  }
  for (const s of slates.values()) s.impressions.sort((a, b) => a.position - b.position);
  slatesWithCandidates += await attachDecisions(store, slates, options);
  // Both logs in one time order (stable: each log's own order is kept for equal times).
  const ordered = [...slates.values()].sort((a, b) => a.timestamp - b.timestamp);
  return { slates: ordered, skippedImpressions, pinnedImpressions, unmatchedRewards, slatesWithCandidates };
}
