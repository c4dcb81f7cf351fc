/**
 * Interest-level exploration: which interests a shopper holds (established), is losing (fading) or has
 * never shown (unknown), and which unknown interests are plausible next ones. Exploration candidates come
 * from there instead of from random categories: a new interest is most often a neighbour of one held
 * (a sibling category) or one that shoppers with the same interests hold.
 */

export type InterestStage = 'established' | 'fading' | 'unknown';

/** A shopper's interest shares by category key, long-term and recent (each summing to about 1). */
export interface InterestShares {
  long: ReadonlyMap<string, number>;
  recent: ReadonlyMap<string, number>;
}

/** Weight of a category's overall share: what decides for a shopper with no established interest. */
const POPULAR_WEIGHT = 0.1;

/** Shares at or above this make an interest established (recent) or at least held (long-term). */
const HELD_SHARE = 0.08;

/** Established: recently held. Fading: held long-term but recently a third of that or less. Else unknown. */
export function interestStage(key: string, shares: InterestShares): InterestStage {
  const recent = shares.recent.get(key) ?? 0;
  const long = shares.long.get(key) ?? 0;
  if (recent >= HELD_SHARE) return 'established';
  if (long >= HELD_SHARE) return recent <= long / 3 ? 'fading' : 'established';
  return 'unknown';
}

/** The category one level up ("A > B" → "A"), or null at the top. */
function parentOf(key: string, separator: string): string | null {
  const at = key.lastIndexOf(separator);
  return at < 0 ? null : key.slice(0, at);
}

/**
 * Which categories go together: P(c | e), the share of shoppers holding e who also hold c, smoothed toward
 * c's share of all shoppers (κ pseudo-shoppers), so a rare pair does not look certain.
 */
export class CategoryCooccurrence {
  private readonly holders = new Map<string, number>();
  private readonly pairs = new Map<string, Map<string, number>>();
  private shoppers = 0;

  constructor(private readonly smoothing = 5) {}

  /** Adds one shopper's set of held categories. */
  addShopper(categories: Iterable<string>): void {
    const held = [...new Set(categories)];
    this.shoppers++;
    for (const e of held) {
      this.holders.set(e, (this.holders.get(e) ?? 0) + 1);
      let row = this.pairs.get(e);
      if (!row) this.pairs.set(e, (row = new Map()));
      for (const c of held) if (c !== e) row.set(c, (row.get(c) ?? 0) + 1);
    }
  }

  /** Every category seen. */
  categories(): string[] {
    return [...this.holders.keys()];
  }

  /** c's share of all shoppers. */
  share(c: string): number {
    return this.shoppers > 0 ? (this.holders.get(c) ?? 0) / this.shoppers : 0;
  }

  /** P(c | e), smoothed. */
  conditional(c: string, e: string): number {
    const n = this.holders.get(e) ?? 0;
    const both = this.pairs.get(e)?.get(c) ?? 0;
    return (both + this.smoothing * this.share(c)) / (n + this.smoothing);
  }
}

export interface FrontierOptions {
  shares: InterestShares;
  cooccurrence: CategoryCooccurrence;
  /** How many categories to return. */
  count: number;
  /** Extra plausibility of a sibling (same parent) of an established interest. Default 0.15. */
  siblingBonus?: number;
  /** Separator of category path levels in the keys. Default " > ". */
  separator?: string;
  /** Categories never to return (no items left, excluded by rules). */
  exclude?: ReadonlySet<string>;
}

export interface FrontierCategory {
  key: string;
  /** Σ over established interests e of share(e)·(P(key | e) + sibling bonus), plus a tenth of key's overall share. */
  plausibility: number;
  stage: InterestStage;
}

/**
 * The shopper's most plausible interests not yet established, best first: categories that shoppers with
 * the same interests hold, siblings of established ones, then popular ones. Fading interests are
 * included (they may return) at half weight.
 */
export function interestFrontier(options: FrontierOptions): FrontierCategory[] {
  const { shares, cooccurrence, count } = options;
  const separator = options.separator ?? ' > ';
  const bonus = options.siblingBonus ?? 0.15;
  const established: Array<[string, number]> = [];
  const keys = new Set([...shares.long.keys(), ...shares.recent.keys()]);
  for (const key of keys) {
    if (interestStage(key, shares) !== 'established') continue;
    established.push([key, Math.max(shares.recent.get(key) ?? 0, shares.long.get(key) ?? 0)]);
  }
  const out: FrontierCategory[] = [];
  for (const c of cooccurrence.categories()) {
    if (options.exclude?.has(c)) continue;
    const stage = interestStage(c, shares);
    if (stage === 'established') continue;
    let plausibility = POPULAR_WEIGHT * cooccurrence.share(c);
    const parent = parentOf(c, separator);
    for (const [e, share] of established) {
      plausibility += share * (cooccurrence.conditional(c, e) + (parent !== null && parentOf(e, separator) === parent ? bonus : 0));
    }
    out.push({ key: c, plausibility: stage === 'fading' ? plausibility / 2 : plausibility, stage });
  }
  out.sort((a, b) => b.plausibility - a.plausibility || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return out.slice(0, Math.max(0, count));
}

/**
 * Leaf-category shares from a profile's category affinities, which list every prefix of a path ("A",
 * "A > B"): the keys no other key extends, renormalised to sum to 1.
 */
export function leafShares(affinities: ReadonlyArray<{ key: string; share: number }>, separator = ' > '): Map<string, number> {
  const keys = affinities.map((a) => a.key);
  const leaves = affinities.filter((a) => a.share > 0 && !keys.some((k) => k.startsWith(a.key + separator)));
  const total = leaves.reduce((s, a) => s + a.share, 0);
  return new Map(leaves.map((a) => [a.key, total > 0 ? a.share / total : 0]));
}
