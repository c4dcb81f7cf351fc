import { z } from 'zod';
import { segmentationCsv, userSegment, type SegmentModel, type UserFeatures } from '../../interest/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { describeSegment, itemsOf, requireUser, userBehaviour, type CacheStatus } from '../../recommend/index.js';
import { segmentListSchema, userSegmentSchema } from './insight-schemas.js';
import { defineRoute } from '../route.js';
import { idParamsSchema } from '../schemas.js';

const listQuery = z
  .object({
    format: z.enum(['json', 'csv']).default('json').meta({ description: 'csv: one row per segmented user instead of the summary' }),
  })
  .strict();

const describeAll = (model: SegmentModel) => model.segments.map((s) => ({ ...s, description: describeSegment(s) }));

function publicFeatures(f: UserFeatures, model: SegmentModel) {
  const names = [...model.categories, 'other'];
  const interests = f.interests
    .map((share, j) => ({ category: names[j], share: Math.round(share * 1e4) / 1e4 }))
    .filter((c) => c.share > 0);
  const { userId: _stored, interests: _raw, ...rest } = f;
  return { ...rest, interests: interests.sort((a, b) => b.share - a.share) };
}

/** Shopper segments: the cached segmentation, one user's segment, CSV export and recompute. */
export const segmentRoutes: RouteModule = (ctx: AppContext) => {
  const cache = ctx.insight.segments;
  const status = (): CacheStatus => cache.status()!;
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/segments',
      scope: 'read',
      tag: 'insight',
      summary: 'Shopper segments with descriptions (or `?format=csv`: one row per user)',
      description:
        'k-means over interest shares and recency/frequency/monetary; k by silhouette unless configured. Computed on first ' +
        'use and cached (`segmentsTtlSeconds`, default 1 h; an expired segmentation keeps serving while it is recomputed). ' +
        'Users who refused personalisation are left out. The CSV columns are user_id, segment, recency_days, sessions, ' +
        'events, monetary, orders, top_category; user_id is the stored id (the HMAC pseudonym when CURIO_ID_SECRET is set). ' +
        '409 while the store has behaviour of fewer than 2 users.',
      query: listQuery,
      responses: { 200: segmentListSchema },
      errors: [409],
      handler: async ({ query, reply }) => {
        const { value } = await cache.get();
        const seg = value.segmentation;
        if (query.format === 'csv') {
          reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="segments.csv"');
          return segmentationCsv(seg);
        }
        const m = seg.model;
        return {
          users: seg.users.length,
          excludedUsers: value.excludedUsers,
          k: m.k,
          silhouette: m.silhouette,
          categories: m.categories,
          segments: describeAll(m),
          model: status(),
        };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/segments/refresh',
      scope: 'admin',
      tag: 'insight',
      summary: 'Recompute the segmentation from the store now',
      responses: { 200: segmentListSchema.omit({ categories: true, segments: true }) },
      errors: [409],
      handler: async () => {
        const { value } = await cache.refresh();
        const m = value.segmentation.model;
        return {
          users: value.segmentation.users.length,
          excludedUsers: value.excludedUsers,
          k: m.k,
          silhouette: m.silhouette,
          model: status(),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/users/:id/segment',
      scope: 'read',
      tag: 'insight',
      summary: "A user's segment and the features that place them",
      description:
        'The user is placed by the cached segmentation from their latest events, so a new shopper gets a segment without ' +
        'a recompute. `segment: null` for a user with a record but no behaviour; 404 for an unknown user; ' +
        '`{userId, personalization: false}` for a user who refused personalisation.',
      params: idParamsSchema,
      responses: { 200: userSegmentSchema },
      errors: [404, 409],
      handler: async ({ params }) => {
        const user = await requireUser(ctx.store, ctx.ingestor.userKey(params.id), params.id);
        if (!user.personalization) return { userId: params.id, personalization: false as const };
        const model = (await cache.get()).value.segmentation.model;
        const events = await userBehaviour(ctx.store, user.storedId, { limit: ctx.insight.settings.maxUserEvents });
        const placed = userSegment(model, user.storedId, events, await itemsOf(ctx.store, events));
        const summary = placed ? model.segments[placed.segment] : null;
        return {
          userId: params.id,
          personalization: true as const,
          segment: summary ? { ...summary, description: describeSegment(summary) } : null,
          features: placed ? publicFeatures(placed.features, model) : null,
          model: status(),
        };
      },
    }),
  ];
};
