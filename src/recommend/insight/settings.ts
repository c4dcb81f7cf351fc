import { z } from 'zod';

/**
 * Settings of the interest-mining endpoints. They arrive through `createApp({ insight })`; a TTL of 0 keeps
 * a model until an admin refreshes it.
 */
export const insightSettingsSchema = z
  .object({
    /** How long a segmentation serves before the next request triggers a background recompute. */
    segmentsTtlSeconds: z.number().int().min(0).default(3600),
    /** Same for the auto-tagger. */
    taggerTtlSeconds: z
      .number()
      .int()
      .min(0)
      .default(6 * 3600),
    /** Same for the purchase-intent model. */
    intentTtlSeconds: z
      .number()
      .int()
      .min(0)
      .default(6 * 3600),
    /** Fixed number of segments; null chooses k by silhouette in [2, maxSegments]. */
    segmentCount: z.number().int().min(2).max(50).nullable().default(null),
    maxSegments: z.number().int().min(2).max(50).default(8),
    /** N in "a purchase within the next N events". */
    intentNextEvents: z.number().int().min(1).max(100).default(5),
    /** Newest behaviour events read per user for a profile or an intent score. */
    maxUserEvents: z.number().int().min(1).max(100_000).default(5000),
    /** Seeds k-means and SGD, so the same store gives the same segments and tags. */
    seed: z.number().int().default(7),
  })
  .strict();

export type InsightSettings = z.output<typeof insightSettingsSchema>;
export type InsightSettingsInput = z.input<typeof insightSettingsSchema>;
