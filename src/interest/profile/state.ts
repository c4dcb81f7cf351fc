import { z } from 'zod';
import { EVENT_TYPES, parseOrThrow } from '../../core/index.js';

const scores = z.record(z.string(), z.number().finite());

const facetsSchema = z.object({ category: scores, tag: scores, brand: scores, leaf: scores });

/** The serialised form of an `InterestProfile` (version 1). Scores are decayed to `referenceAt`. */
export const profileStateSchema = z.object({
  version: z.literal(1),
  userId: z.string(),
  options: z.object({
    halfLifeDays: z.number().positive(),
    recentHalfLifeDays: z.number().positive(),
    recentWindowDays: z.number().nonnegative(),
    minNewShare: z.number().min(0).max(1),
    topAffinities: z.number().int().positive(),
  }),
  weights: z.object(Object.fromEntries(EVENT_TYPES.map((t) => [t, z.number().finite()]))) as unknown as z.ZodType<
    Record<(typeof EVENT_TYPES)[number], number>
  >,
  referenceAt: z.number().nullable(),
  events: z.number().int().nonnegative(),
  long: facetsSchema,
  recent: facetsSchema,
  /** Decayed (long-term) weight per item, for multi-interest clusters. */
  items: scores,
  /** First positive evidence per "dimension:key". */
  firstSeenAt: scores,
});

export type ProfileState = z.infer<typeof profileStateSchema>;
export type FacetScores = ProfileState['long'];

/** Validates untrusted serialised profile JSON. */
export function parseProfileState(raw: unknown): ProfileState {
  return parseOrThrow(profileStateSchema, raw, 'interest profile state');
}

export function emptyFacets(): FacetScores {
  return { category: {}, tag: {}, brand: {}, leaf: {} };
}
