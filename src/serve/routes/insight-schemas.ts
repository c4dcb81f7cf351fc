import { z } from 'zod';

/** Response shapes of the interest-mining routes (they document the OpenAPI responses). */

export const cacheStatusSchema = z
  .object({
    builtAt: z.string().meta({ description: 'ISO time the shared model was built' }),
    buildSeconds: z.number(),
    ageSeconds: z.number(),
    stale: z.boolean().meta({ description: 'Older than its TTL; a background rebuild is running or starts with the next request' }),
    rebuilding: z.boolean(),
  })
  .meta({ description: 'The cached shared model that answered' });

const refusedSchema = z.object({
  userId: z.string(),
  personalization: z.literal(false).meta({ description: 'The user set consent.personalization=false: no profile is computed or returned' }),
});

/** A per-user answer, or `{userId, personalization: false}` for a user who refused personalisation. */
export function personal<T extends z.ZodRawShape>(shape: T) {
  return z.discriminatedUnion('personalization', [
    z.object({ userId: z.string(), personalization: z.literal(true), ...shape }),
    refusedSchema,
  ]);
}

const affinitySchema = z.object({
  key: z.string(),
  score: z.number().meta({ description: 'Decayed behaviour weight (negative after dislikes)' }),
  share: z.number().meta({ description: 'Part of the positive total of this facet' }),
});
const affinities = z.array(affinitySchema);

export const interestsSchema = personal({
  asOf: z.number().int().nullable().meta({ description: 'Epoch ms the scores are decayed to' }),
  events: z.number().int(),
  categories: affinities.meta({ description: 'Every prefix of the category path ("A", "A > B")' }),
  tags: affinities,
  brands: affinities,
  recent: z.object({ categories: affinities, tags: affinities, brands: affinities }).meta({ description: 'The short half-life profile' }),
  drift: z.object({
    score: z.number().meta({ description: 'Jensen–Shannon divergence (bits, 0..1) between the recent and the long-term profile' }),
    newInterests: z.array(
      z.object({ dimension: z.enum(['category', 'tag', 'brand']), key: z.string(), share: z.number(), firstSeenAt: z.number().int() }),
    ),
  }),
  clusters: z.object({
    clusters: z.array(
      z.object({
        label: z.string(),
        topCategory: z.string().nullable(),
        topTags: z.array(z.string()),
        share: z.number(),
        itemIds: z.array(z.string()),
      }),
    ),
    silhouette: z.number(),
    unembeddedShare: z.number(),
  }),
});

const belief = {
  appeal: z.number().meta({ description: 'Posterior probability that the shopper takes it when shown in the first slot' }),
  uncertainty: z.number().meta({ description: 'Sd of its own appeal term (probit scale): how unsure the policy is' }),
  appealSd: z.number().meta({
    description:
      'Sd of the true first-slot probability around appeal: the uncertainty above plus the shopper × item effect measured from repeated showings (the error to expect)',
  }),
};

export const uncertaintySchema = personal({
  policy: z.string().meta({ description: 'The serving policy' }),
  available: z
    .boolean()
    .meta({ description: 'false when the serving policy keeps no belief (only neural-thompson and neural-ucb do): the lists are empty' }),
  interests: z
    .array(
      z.object({
        category: z.string(),
        stage: z.enum(['established', 'fading', 'unknown']).meta({ description: "The category in the shopper's history" }),
        candidates: z.number().int().meta({ description: "Candidates of this category in the next slate's shortlist" }),
        ...belief,
      }),
    )
    .meta({ description: 'By category, most uncertain first; uncertainty is the root mean square of its candidates' }),
  items: z.array(z.object({ itemId: z.string(), category: z.string().nullable(), ...belief })),
});

export const segmentSummarySchema = z.object({
  segment: z.number().int(),
  description: z.string().meta({ description: 'One readable line: size, top categories, order value, conversion, session length' }),
  size: z.number().int(),
  share: z.number(),
  topCategories: z.array(z.object({ category: z.string(), share: z.number() })),
  averageOrderValue: z.number(),
  conversionRate: z.number().meta({ description: 'Sessions with a purchase / sessions' }),
  medianSessionEvents: z.number(),
  medianSessionMinutes: z.number(),
  medianRecencyDays: z.number(),
  medianSessions: z.number(),
  medianMonetary: z.number(),
});

export const segmentListSchema = z.object({
  users: z.number().int().meta({ description: 'Users in the segments shown (by their published sizes)' }),
  excludedUsers: z.number().int().meta({ description: 'Users left out because they refused personalisation' }),
  suppressedSegments: z
    .number()
    .int()
    .meta({ description: 'Segments not shown because they hold fewer than `privacy.minGroupSize` users (k-anonymity)' }),
  sizeNoise: z
    .object({
      epsilon: z.number(),
      sensitivity: z.literal(1).meta({ description: 'A user is in one segment: they change the sizes by 1 at most' }),
      scale: z.number().meta({ description: 'Laplace scale 1/ε of the noise on each size' }),
    })
    .nullable()
    .meta({ description: 'The differential-privacy noise on sizes and shares (`privacy.epsilon`); null: exact' }),
  k: z.number().int(),
  silhouette: z.number(),
  categories: z.array(z.string()).meta({ description: 'Category vocabulary of the interest features' }),
  segments: z.array(segmentSummarySchema),
  model: cacheStatusSchema,
});

export const userSegmentSchema = personal({
  segment: segmentSummarySchema.nullable().meta({ description: 'null when the user has no behaviour yet, or their segment is suppressed' }),
  suppressed: z
    .boolean()
    .meta({ description: 'Their segment holds fewer than `privacy.minGroupSize` users: its figures are not shown (k-anonymity)' }),
  features: z
    .object({
      recencyDays: z.number(),
      sessions: z.number().int(),
      events: z.number().int(),
      monetary: z.number(),
      orders: z.number().int(),
      medianSessionEvents: z.number(),
      medianSessionMinutes: z.number(),
      interests: z.array(z.object({ category: z.string(), share: z.number() })),
    })
    .nullable(),
  model: cacheStatusSchema,
});

export const intentModelSchema = cacheStatusSchema.extend({
  trainedOn: z.object({
    examples: z.number().int().meta({ description: 'Sessions the model was fitted on' }),
    users: z.number().int().meta({ description: 'Distinct users those sessions came from' }),
    inSessionRate: z.number().nullable().meta({ description: 'Share of sessions with a purchase; null when suppressed' }),
    nextEventsRate: z.number().nullable(),
    suppressed: z
      .boolean()
      .meta({ description: 'Fitted on fewer than `privacy.minGroupSize` users: the base rates describe too few people to show' }),
  }),
});

export const intentSchema = personal({
  at: z.number().int().meta({ description: 'Epoch ms the score is for' }),
  inSession: z.number().meta({ description: 'Probability of a purchase later in the current session' }),
  withinNextEvents: z.object({ events: z.number().int(), probability: z.number() }),
  sessionActive: z
    .boolean()
    .meta({ description: 'False when the last action is older than the session gap: the figures are for a session starting now' }),
  sessionEvents: z.number().int(),
  features: z.record(z.string(), z.number()),
  model: intentModelSchema,
});

const guessSchema = z.object({ label: z.string(), confidence: z.number() });

export const tagPredictionSchema = z.object({
  itemId: z.string().nullable(),
  category: guessSchema
    .extend({ path: z.array(z.string()) })
    .nullable()
    .meta({ description: 'null when the catalogue has no category with 3+ items' }),
  tags: z.array(guessSchema).meta({ description: 'The likeliest tag, then every tag with confidence ≥ 0.35' }),
});

export const taggerStatusSchema = cacheStatusSchema.extend({
  labelledItems: z.number().int(),
  events: z.number().int(),
  categories: z.number().int(),
  tags: z.number().int(),
  features: z.number().int(),
});

export const tagResultSchema = z.object({
  items: z.array(tagPredictionSchema).meta({ description: 'One per body item, in order' }),
  itemIds: z.array(tagPredictionSchema).meta({ description: 'One per body item id, in order' }),
  model: taggerStatusSchema,
});
