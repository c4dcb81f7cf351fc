import { z } from 'zod';
import { userInterests } from '../../interest/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { UNCATEGORISED, itemsOf, requireUser, userBehaviour } from '../../recommend/index.js';
import { interestsSchema, uncertaintySchema } from './insight-schemas.js';
import { defineRoute } from '../route.js';
import { idParamsSchema } from '../schemas.js';

const interestsQuery = z
  .object({
    at: z.coerce
      .number()
      .int()
      .nonnegative()
      .optional()
      .meta({ description: 'Epoch ms to profile as of (events after it are ignored); default now' }),
    top: z.coerce.number().int().min(1).max(100).default(20).meta({ description: 'Most affinities listed per facet' }),
    maxClusters: z.coerce.number().int().min(1).max(8).default(4).meta({ description: 'Most interest clusters' }),
  })
  .strict();

/** A user's interest profile, computed from their latest events on every request. */
export const interestRoutes: RouteModule = (ctx: AppContext) => [
  defineRoute({
    method: 'GET',
    url: '/v1/users/:id/interests',
    scope: 'read',
    tag: 'insight',
    summary: "A user's weighted interests, multi-interest clusters and drift",
    description:
      'Affinities to categories (every path prefix), tags and brands: behaviour weights from `events.weights`, decayed ' +
      "with a 30-day half-life (long-term) and a 3-day one (`recent`). Clusters group the user's items by " +
      'co-occurrence and content (k by silhouette); drift is the divergence between recent and long-term interests. ' +
      'Read from the store per request, so an event posted just before counts. 404 when the user has neither a record ' +
      'nor an event; `{userId, personalization: false}` for a user who refused personalisation.',
    params: idParamsSchema,
    query: interestsQuery,
    responses: { 200: interestsSchema },
    errors: [404],
    handler: async ({ params, query }) => {
      const user = await requireUser(ctx.store, ctx.ingestor.userKey(params.id), params.id);
      if (!user.personalization) return { userId: params.id, personalization: false as const };
      const insight = ctx.insight;
      const events = await userBehaviour(ctx.store, user.storedId, { limit: insight.settings.maxUserEvents, at: query.at });
      const items = await itemsOf(ctx.store, events);
      const asOf = query.at ?? Math.max(insight.now(), events.at(-1)?.timestamp ?? 0);
      const profile = userInterests(user.storedId, events, items, {
        weights: ctx.config.events.weights,
        topAffinities: query.top,
        maxClusters: query.maxClusters,
        seed: insight.settings.seed,
        asOf: events.length ? asOf : undefined,
      });
      // The profile carries the stored (possibly pseudonymised) id; the API speaks the shop's.
      const { userId: _stored, ...rest } = profile;
      return { userId: params.id, personalization: true as const, ...rest };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/users/:id/interests/uncertainty',
    scope: 'read',
    tag: 'insight',
    summary: "How unsure the serving policy is about a user's interests",
    description:
      "The serving policy's belief in each candidate of the user's next slate (appeal and the sd of the item's own " +
      "term, from the Bayesian last layer over the model's user vector), and the same by category with the category's " +
      'stage in the history (established, fading, unknown): where exploration will look. Nothing is logged or learned. ' +
      '`available: false` with empty lists when the serving policy keeps no belief. 404 when the user has neither a ' +
      'record nor an event; `{userId, personalization: false}` for a user who refused personalisation.',
    params: idParamsSchema,
    responses: { 200: uncertaintySchema },
    errors: [404],
    handler: async ({ params }) => {
      const user = await requireUser(ctx.store, ctx.ingestor.userKey(params.id), params.id);
      if (!user.personalization) return { userId: params.id, personalization: false as const };
      const serving = ctx.config.serving;
      const request = { count: serving.defaultCount, exploreWeight: serving.exploreWeight, exclude: [] };
      const view = await ctx.recommendations.beliefs(user.storedId, request);
      const policy = ctx.recommendations.policy.id;
      if (!view) return { userId: params.id, personalization: true as const, policy, available: false, interests: [], items: [] };
      return {
        userId: params.id,
        personalization: true as const,
        policy,
        available: true,
        interests: view.interests,
        items: view.items.map((b) => ({
          itemId: b.itemId,
          category: b.cluster === undefined || b.cluster === UNCATEGORISED ? null : b.cluster,
          appeal: b.appeal,
          uncertainty: b.uncertainty,
          appealSd: b.appealSd,
        })),
      };
    },
  }),
];
