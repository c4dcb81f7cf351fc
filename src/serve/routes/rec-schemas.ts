import { z } from 'zod';
import { timestampSchema } from '../../ingest/index.js';
import { STATE_TYPES } from '../../recommend/index.js';

/** Request and response shapes of the recommendation endpoints. */

const MAX_COUNT = 100;
const MAX_EXCLUDE = 500;
const itemId = z.string().min(1).max(256);

export const countParam = z.coerce
  .number()
  .int()
  .min(1)
  .max(MAX_COUNT)
  .meta({ description: `How many items (1-${MAX_COUNT}); default serving.defaultCount` });
const exploreParam = z.coerce
  .number()
  .min(0)
  .max(1)
  .meta({ description: 'exploreWeight for this request in [0, 1]; default serving.exploreWeight' });
const categoryParam = z
  .string()
  .min(1)
  .max(200)
  .meta({ description: 'Only items in this category: a full key ("Groceries > Tea"), a prefix or one path element' });

export const slateQuerySchema = z
  .object({
    n: countParam.optional(),
    explore: exploreParam.optional(),
    category: categoryParam.optional(),
    exclude: z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      )
      .pipe(z.array(itemId).max(MAX_EXCLUDE))
      .optional()
      .meta({ description: 'Comma-separated item ids never to return' }),
  })
  .strict();

export const sessionBodySchema = z
  .object({
    events: z
      .array(
        z
          .object({
            itemId,
            type: z.enum(STATE_TYPES).default('view'),
            timestamp: timestampSchema.optional(),
          })
          .strict(),
      )
      .max(200)
      .default([])
      .meta({ description: "The visitor's recent events, oldest first (times default to arrival order)" }),
    n: countParam.optional(),
    explore: exploreParam.optional(),
    category: categoryParam.optional(),
    exclude: z.array(itemId).max(MAX_EXCLUDE).default([]),
    visitorId: itemId.optional().meta({ description: 'When given, impressions are logged under this user id (consent applies)' }),
    sessionId: itemId.optional(),
  })
  .strict();

export const listQuerySchema = z.object({ n: countParam.optional(), category: categoryParam.optional() }).strict();
export const itemListQuerySchema = z.object({ n: countParam.optional() }).strict();
export const similarQuerySchema = z
  .object({
    n: countParam.optional(),
    by: z
      .enum(['behaviour', 'picture'])
      .default('behaviour')
      .meta({ description: 'behaviour: co-visitation; picture: visual neighbours of the item picture (or sent embedding)' }),
  })
  .strict();

export const recommendedItemSchema = z.object({
  itemId: z.string(),
  position: z.number().int().meta({ description: '0-based slot' }),
  score: z.number().meta({ description: 'Ranking score (comparable within one response)' }),
  reason: z.string().meta({ description: 'Why it is shown, e.g. "because you viewed X", "exploring a new interest: Z"' }),
  explored: z.boolean().meta({ description: 'Not in the slate the policy shows at exploreWeight 0' }),
  propensity: z.number().meta({ description: 'P(this item in this slot) under the policy, in (0, 1]' }),
  title: z.string(),
  category: z.string().nullable(),
});

export const recommendationSchema = z.object({
  recommendationId: z.string().meta({ description: 'Send it back in event context.recommendationId with clicks and purchases' }),
  userId: z.string().nullable(),
  mode: z.enum(['personalized', 'non-personalized', 'cold-start', 'session']),
  personalized: z.boolean(),
  policy: z.string(),
  propensityMethod: z.enum(['exact', 'monte-carlo']),
  exploreWeight: z.number(),
  model: z.string().nullable(),
  modelVersion: z
    .string()
    .nullable()
    .meta({ description: 'The model registry version that scored this slate (null when the model is not a registry version)' }),
  experiment: z
    .object({ id: z.string(), arm: z.string() })
    .nullable()
    .meta({ description: 'The experiment and arm this slate was served in (impressions and the decision log carry them too)' }),
  items: z.array(recommendedItemSchema),
});

export const itemListSchema = z.object({
  recommendationId: z.string(),
  itemId: z.string().optional(),
  items: z.array(recommendedItemSchema),
});

/** How the trending and popular lists are gated (docs/privacy.md, "Safe aggregates"). */
export const publishedListsSchema = z
  .object({
    minGroupSize: z.number().int().meta({ description: '`privacy.minGroupSize`: items acted on by fewer users are not listed' }),
    releasedAt: z.string().nullable().meta({ description: 'ISO time of the release of item counts in force; null when none is needed' }),
    suppressed: z
      .object({ trending: z.number().int(), popular: z.number().int() })
      .meta({ description: 'Items with some audience but fewer than minGroupSize users, left out of each list' }),
    noise: z
      .object({
        epsilon: z.number().meta({ description: 'ε each list spends per release (half of `privacy.epsilon`)' }),
        sensitivity: z.number().meta({ description: '`privacy.maxItemsPerUser`: one user adds 1 to at most this many counts' }),
        scale: z.number().meta({ description: 'Laplace scale sensitivity / ε' }),
      })
      .nullable()
      .meta({ description: 'Differential-privacy noise on the counts that rank the lists; null: exact' }),
  })
  .meta({ description: 'How the published lists were gated: k-anonymity and differential privacy' });

export const trendingListSchema = itemListSchema.extend({ published: publishedListsSchema });
