/**
 * Which arm earned an outcome. An outcome (click, cart, purchase) belongs to the experiment's slate whose
 * `recommendationId` it carries; without one, to the latest impression of the same item to the same user
 * within the attribution window before it. Each outcome is counted once, however many impressions it
 * could be credited to, and users are analysed in the arm of their first exposure (intention to treat:
 * a weight change that moves a user later does not move their history).
 */
import type { EpochMs } from '../../core/index.js';

/** One slate served in the experiment. */
export interface Exposure {
  recommendationId: string;
  userId: string;
  arm: string;
  timestamp: EpochMs;
  itemIds: readonly string[];
}

export type OutcomeType = 'click' | 'cart' | 'purchase';

export interface Outcome {
  /** The event id: an outcome seen twice (a re-read, a replay) still counts once. */
  id: string;
  userId: string;
  itemId: string;
  type: OutcomeType;
  timestamp: EpochMs;
  recommendationId?: string;
  /** Money of a purchase (its value, else the item's price); 0 for clicks and carts. */
  revenue: number;
}

/** One user's exposure and attributed outcomes over the experiment so far. */
export interface UserOutcomes {
  /** The arm of the user's first exposure. */
  arm: string;
  firstExposure: EpochMs;
  /** Distinct arms the user was served in (more than 1 after a weight change moved them). */
  arms: number;
  slates: number;
  impressions: number;
  clicks: number;
  carts: number;
  orders: number;
  revenue: number;
}

/** Per user before the experiment: every purchase, attributed or not (CUPED's covariate). */
export interface PrePeriod {
  orders: number;
  revenue: number;
}

/** How many outcomes matched a slate and how many only the window. */
export interface AttributionCounts {
  bySlate: number;
  byWindow: number;
  unattributed: number;
}

const pairKey = (userId: string, itemId: string): string => `${userId}\u0000${itemId}`;

/** Latest time in an ascending list that is ≤ t, or undefined. */
function latestAtOrBefore(times: readonly number[], t: number): number | undefined {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? times[lo - 1] : undefined;
}

/**
 * Collects the experiment's exposures first (any order), then attributes outcomes. Exposures are all read
 * before outcomes because a slate's record and its impressions may arrive after a click that names it.
 */
export class Attribution {
  private readonly slates = new Map<string, { userId: string; arm: string; items: Set<string> }>();
  private readonly users = new Map<string, UserOutcomes & { armSet: Set<string> }>();
  /** Impression times and arms of each (user, item), sorted by time once outcomes start. */
  private readonly shown = new Map<string, Array<{ at: number; arm: string }>>();
  private sorted = false;
  private readonly counted = new Set<string>();
  readonly counts: AttributionCounts = { bySlate: 0, byWindow: 0, unattributed: 0 };

  constructor(private readonly windowMs: number) {}

  expose(exposure: Exposure): void {
    const slate = this.slates.get(exposure.recommendationId);
    // The same slate from its record and from impression events: merge its items, count it once.
    const fresh = exposure.itemIds.filter((id) => !slate?.items.has(id));
    if (slate) for (const id of fresh) slate.items.add(id);
    else this.slates.set(exposure.recommendationId, { userId: exposure.userId, arm: exposure.arm, items: new Set(fresh) });
    let user = this.users.get(exposure.userId);
    if (!user) {
      user = { ...emptyUser(exposure.arm, exposure.timestamp), armSet: new Set() };
      this.users.set(exposure.userId, user);
    } else if (exposure.timestamp < user.firstExposure) {
      user.firstExposure = exposure.timestamp;
      user.arm = exposure.arm;
    }
    user.armSet.add(exposure.arm);
    if (!slate) user.slates += 1;
    user.impressions += fresh.length;
    for (const itemId of fresh) {
      const key = pairKey(exposure.userId, itemId);
      const list = this.shown.get(key);
      if (list) list.push({ at: exposure.timestamp, arm: exposure.arm });
      else this.shown.set(key, [{ at: exposure.timestamp, arm: exposure.arm }]);
    }
    this.sorted = false;
  }

  /** Credits an outcome to its user; returns the arm of the slate it is attributed to, or null. */
  attribute(outcome: Outcome): string | null {
    if (this.counted.has(outcome.id)) return null;
    const user = this.users.get(outcome.userId);
    if (!user) return null;
    const arm = this.slateArm(outcome) ?? this.windowArm(outcome);
    if (arm === null) {
      this.counts.unattributed += 1;
      return null;
    }
    this.counted.add(outcome.id);
    if (outcome.type === 'click') user.clicks += 1;
    else if (outcome.type === 'cart') user.carts += 1;
    else {
      user.orders += 1;
      user.revenue += outcome.revenue;
    }
    return arm;
  }

  /** Users exposed so far, by stored user id. */
  outcomes(): Map<string, UserOutcomes> {
    const result = new Map<string, UserOutcomes>();
    for (const [id, { armSet, ...user }] of this.users) result.set(id, { ...user, arms: armSet.size });
    return result;
  }

  /** Exposures of each arm, in the order they were given. */
  slateItems(): Map<string, string[][]> {
    const byArm = new Map<string, string[][]>();
    for (const slate of this.slates.values()) {
      const list = byArm.get(slate.arm) ?? [];
      list.push([...slate.items]);
      byArm.set(slate.arm, list);
    }
    return byArm;
  }

  private slateArm(outcome: Outcome): string | null {
    if (outcome.recommendationId === undefined) return null;
    const slate = this.slates.get(outcome.recommendationId);
    if (!slate || slate.userId !== outcome.userId || !slate.items.has(outcome.itemId)) return null;
    this.counts.bySlate += 1;
    return slate.arm;
  }

  private windowArm(outcome: Outcome): string | null {
    if (!this.sorted) {
      for (const list of this.shown.values()) list.sort((a, b) => a.at - b.at);
      this.sorted = true;
    }
    const list = this.shown.get(pairKey(outcome.userId, outcome.itemId));
    if (!list) return null;
    const at = latestAtOrBefore(
      list.map((s) => s.at),
      outcome.timestamp,
    );
    if (at === undefined || outcome.timestamp - at > this.windowMs) return null;
    this.counts.byWindow += 1;
    return list.find((s) => s.at === at)?.arm ?? null;
  }
}

function emptyUser(arm: string, firstExposure: EpochMs): UserOutcomes {
  return { arm, firstExposure, arms: 1, slates: 0, impressions: 0, clicks: 0, carts: 0, orders: 0, revenue: 0 };
}
