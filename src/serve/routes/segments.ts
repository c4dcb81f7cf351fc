import { z } from 'zod';
import { segmentationCsv, userSegment, type SegmentModel, type SegmentSummary, type UserFeatures } from '../../interest/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { describeSegment, itemsOf, requireUser, userBehaviour, type CacheStatus, type SegmentsBuild } from '../../recommend/index.js';
import { segmentListSchema, userSegmentSchema } from './insight-schemas.js';
import { defineRoute } from '../route.js';
import { idParamsSchema } from '../schemas.js';

const listQuery = z
  .object({
    format: z.enum(['json', 'csv']).default('json').meta({ description: 'csv: one row per segmented user instead of the summary' }),
  })
  .strict();

const describeAll = (segments: readonly SegmentSummary[]) => segments.map((s) => ({ ...s, description: describeSegment(s) }));

/** The CSV answer's count of segments left out (k-anonymity), since a CSV body has no place to say it. */
const SUPPRESSED_HEADER = 'x-curio-suppressed-segments';

/** What the listing says about how it was published: users shown, suppressed segments, the noise on sizes. */
function publication(build: SegmentsBuild) {
  const { published } = build;
  // Exact counts follow the users the served segmentation still holds (an erasure or a refusal removes them at once).
  const exactUsers = () => build.segmentation.users.filter((u) => !published.hidden.has(u.segment)).length;
  return {
    users: published.noise ? published.users : exactUsers(),
    excludedUsers: build.excludedUsers,
    suppressedSegments: published.suppressed,
    sizeNoise: published.noise,
  };
}

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
        'Users who refused personalisation are left out. Segments of fewer than `privacy.minGroupSize` users are suppressed ' +
        "(counted in `suppressedSegments`; in the CSV, their users' rows are left out and the `x-curio-suppressed-segments` header " +
        'counts them); with `privacy.epsilon` set, sizes and shares carry Laplace noise drawn once per segmentation. The CSV columns are user_id, segment, recency_days, sessions, ' +
        'events, monetary, orders, top_category; user_id is the stored id (the HMAC pseudonym when CURIO_ID_SECRET is set). ' +
        '409 while the store has behaviour of fewer than 2 users.',
      query: listQuery,
      responses: { 200: segmentListSchema },
      errors: [409],
      handler: async ({ query, reply }) => {
        const { value } = await cache.get();
        const seg = value.segmentation;
        const published = value.published;
        if (query.format === 'csv') {
          reply
            .header('content-type', 'text/csv; charset=utf-8')
            .header('content-disposition', 'attachment; filename="segments.csv"')
            .header(SUPPRESSED_HEADER, String(published.suppressed));
          return segmentationCsv({ ...seg, users: seg.users.filter((u) => !published.hidden.has(u.segment)) });
        }
        const m = seg.model;
        return {
          ...publication(value),
          k: m.k,
          silhouette: m.silhouette,
          categories: m.categories,
          segments: describeAll(published.segments),
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
          ...publication(value),
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
        const published = (await cache.get()).value.published;
        const suppressed = placed !== null && published.hidden.has(placed.segment);
        const summary = placed && !suppressed ? published.segments.find((x) => x.segment === placed.segment) : undefined;
        return {
          userId: params.id,
          personalization: true as const,
          segment: summary ? { ...summary, description: describeSegment(summary) } : null,
          suppressed,
          features: placed ? publicFeatures(placed.features, model) : null,
          model: status(),
        };
      },
    }),
  ];
};
