import type { EpochMs } from '../../core/index.js';

/** The facets a profile scores. `category` holds every prefix of an item's category path ("A", "A > B"). */
export const INTEREST_DIMENSIONS = ['category', 'tag', 'brand'] as const;
export type InterestDimension = (typeof INTEREST_DIMENSIONS)[number];

/** One weighted affinity: `score` is the decayed behaviour weight, `share` its part of the positive total. */
export interface Affinity {
  key: string;
  score: number;
  share: number;
}

export interface NewInterest {
  dimension: InterestDimension;
  key: string;
  /** Share of the recent profile. */
  share: number;
  firstSeenAt: EpochMs;
}

export interface Drift {
  /** Jensen–Shannon divergence (bits, 0..1) between the recent and the long-term profile. */
  score: number;
  newInterests: NewInterest[];
}

/** A JSON-serialisable view of a profile at one time. */
export interface InterestSnapshot {
  userId: string;
  asOf: EpochMs | null;
  events: number;
  categories: Affinity[];
  tags: Affinity[];
  brands: Affinity[];
  recent: { categories: Affinity[]; tags: Affinity[]; brands: Affinity[] };
  drift: Drift;
}

export interface InterestProfileOptions {
  /** Half-life of the long-term profile. Default 30. */
  halfLifeDays?: number;
  /** Half-life of the recent profile. Default 3. */
  recentHalfLifeDays?: number;
  /** An interest first seen within this many days of `asOf` counts as new. Default 7. */
  recentWindowDays?: number;
  /** Smallest recent share for a new interest to be reported. Default 0.05. */
  minNewShare?: number;
  /** Most affinities listed per facet in a snapshot. Default 20. */
  topAffinities?: number;
}

export type ResolvedProfileOptions = Required<InterestProfileOptions>;

export const DEFAULT_PROFILE_OPTIONS: ResolvedProfileOptions = {
  halfLifeDays: 30,
  recentHalfLifeDays: 3,
  recentWindowDays: 7,
  minNewShare: 0.05,
  topAffinities: 20,
};

export const DAY_MS = 86_400_000;

/** 2^(−Δt / half-life): the weight left after `elapsedMs`. */
export function decayFactor(elapsedMs: number, halfLifeDays: number): number {
  return 2 ** (-elapsedMs / (halfLifeDays * DAY_MS));
}
