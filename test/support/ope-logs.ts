// Test fixture for off-policy evaluation on a store: an ε-greedy logger's slates with their candidate sets and
// exact propensities, clicks from a position-based model with a taste per user, so one user's clicks are correlated.
import { createRng, type Event } from '../../src/core/index.js';
import { createPolicy, type Candidate } from '../../src/explore/index.js';
import type { LoggedSlate } from '../../src/eval/index.js';
import type { Store } from '../../src/store/index.js';

/** Click probability = user taste × item appeal × examination of the slot. */
export const APPEAL: Record<string, number> = { a: 0.05, b: 0.1, c: 0.4, d: 0.2, e: 0.3, f: 0.15 };
export const EXAMINE = [1, 0.6];
/** The logger's scores: a first, so the greedy slate is (a, b), the worst pair of the six. */
export const CANDIDATES: Candidate[] = Object.keys(APPEAL).map((itemId, i) => ({ itemId, score: 6 - i, cluster: i % 2 ? 'x' : 'y' }));
/** Greedy's (exploreWeight 0) expected reward per impression; tastes average 1. */
export const GREEDY_VALUE = (APPEAL.a * EXAMINE[0] + APPEAL.b * EXAMINE[1]) / 2;
export const T0 = 1_700_000_000_000;

export interface OpeTrafficOptions {
  slates: number;
  users: number;
  seed?: number;
  /** ε at exploreWeight 1 of the logger. Default 0.6. */
  epsilonMax?: number;
}

/**
 * `slates` two-slot recommendations of an ε-greedy logger with exact propensities, one a second from T0,
 * users in turn, each with the candidate set it chose from; each user's taste is 0.3 or 1.7 (mean 1).
 */
export function simulateOpeSlates(options: OpeTrafficOptions): LoggedSlate[] {
  const logger = createPolicy('epsilon-greedy', { epsilonMax: options.epsilonMax ?? 0.6 });
  const world = createRng(options.seed ?? 5);
  const taste = Array.from({ length: options.users }, () => (world.next() < 0.5 ? 0.3 : 1.7));
  return Array.from({ length: options.slates }, (_, s) => {
    const user = s % options.users;
    const slate = logger.choose(CANDIDATES, { userId: `u${user}`, k: 2, exploreWeight: 1, rng: world.fork() });
    return {
      recommendationId: `r${s}`,
      userId: `u${user}`,
      timestamp: T0 + s * 1000,
      policy: slate.policy,
      candidates: CANDIDATES,
      impressions: slate.slots.map((slot) => ({
        itemId: slot.itemId,
        position: slot.position,
        propensity: slot.propensity,
        reward: world.next() < taste[user] * APPEAL[slot.itemId] * EXAMINE[slot.position] ? 1 : 0,
      })),
    };
  });
}

/**
 * Logs `simulateOpeSlates` into a store as the server does in 'slate' mode: a decision record with the
 * candidates and what was shown, and click events that carry its recommendationId.
 */
export async function logOpeTraffic(store: Store, options: OpeTrafficOptions): Promise<void> {
  const slates = simulateOpeSlates(options);
  await store.appendDecisions(
    slates.map((s) => ({
      recommendationId: s.recommendationId,
      userId: s.userId,
      timestamp: s.timestamp,
      policy: s.policy ?? 'epsilon-greedy',
      exploreWeight: 1,
      candidates: CANDIDATES.map(({ itemId, score, cluster }) => ({ itemId, score, cluster })),
      shown: s.impressions.map((i) => ({ itemId: i.itemId, propensity: i.propensity })),
    })),
  );
  const clicks: Event[] = slates.flatMap((s) =>
    s.impressions
      .filter((i) => i.reward === 1)
      .map((i) => ({
        id: `clk-${s.recommendationId}-${i.position}`,
        userId: s.userId,
        itemId: i.itemId,
        type: 'click' as const,
        value: null,
        timestamp: s.timestamp + 10,
        sessionId: null,
        context: { recommendationId: s.recommendationId },
      })),
  );
  await store.appendEvents(clicks);
}
