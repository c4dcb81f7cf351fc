import type { Event } from '../core/index.js';
import type { ShownItem } from '../store/index.js';
import type { Recommendation } from './pipeline.js';

/** The policy's slot of each shown item: undefined at its own position, a number when a pin shifted it, null for a pin. */
export type PolicySlots = ReadonlyArray<number | null | undefined>;

/** What a shown item's impression says beyond its position: a pin, or the policy's slot when a pin shifted it. */
function slotContext(position: number, slot: number | null | undefined): { pinned: true } | { slot: number } | Record<string, never> {
  if (slot === null) return { pinned: true };
  return slot === undefined || slot === position ? {} : { slot };
}

/** A slate's shown items for its record (`'slate'` mode): slot marks only where they differ from the position. */
export function shownItems(rec: Recommendation, policySlots: PolicySlots): ShownItem[] {
  return rec.items.map((item, k): ShownItem => {
    const slot = policySlots[k];
    if (slot === null) return { itemId: item.itemId, propensity: item.propensity, slot: null };
    return slot === undefined || slot === item.position
      ? { itemId: item.itemId, propensity: item.propensity }
      : { itemId: item.itemId, propensity: item.propensity, slot };
  });
}

/** A slate as one impression event per shown item (`'events'` mode), under the shop's raw user id. */
export function impressionEvents(
  rec: Recommendation,
  policySlots: PolicySlots,
  who: { userId: string; sessionId: string | null; timestamp: number },
): Event[] {
  return rec.items.map((item, k) => ({
    id: `imp:${rec.recommendationId}:${item.position}`,
    userId: who.userId,
    itemId: item.itemId,
    type: 'impression',
    value: null,
    timestamp: who.timestamp,
    sessionId: who.sessionId,
    context: {
      recommendationId: rec.recommendationId,
      position: item.position,
      policy: rec.policy,
      propensity: item.propensity,
      ...slotContext(item.position, policySlots[k]),
      ...(rec.experiment ? { experiment: rec.experiment.id, arm: rec.experiment.arm } : {}),
    },
  }));
}
