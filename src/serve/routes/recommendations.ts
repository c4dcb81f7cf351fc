import { z } from 'zod';
import { assignArm } from '../../experiments/index.js';
import type { Segmentation } from '../../interest/index.js';
import type { ExperimentAssignment, HistoryEvent, SlateRequest } from '../../recommend/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { defineRoute } from '../route.js';
import { idParamsSchema } from '../schemas.js';
import { publishedListsSchema, recommendationSchema, sessionBodySchema, slateQuerySchema } from './rec-schemas.js';

export interface SlateInput {
  n?: number;
  explore?: number;
  category?: string;
  exclude?: string[];
}

/** Segment of each segmented shopper, indexed once per segmentation the cache installs. */
const segmentIndex = new WeakMap<Segmentation, Map<string, number>>();

/**
 * Whether the shopper is in one of the segments, by the cached segmentation. The request never waits for a
 * segmentation: before the first one exists the shopper is left out and one is started in the background.
 */
function inSegments(ctx: AppContext, unit: string, segments: readonly number[]): boolean {
  const cache = ctx.insight.segments;
  const built = cache.peek();
  if (!built) {
    cache.get().catch(() => undefined);
    return false;
  }
  let index = segmentIndex.get(built.segmentation);
  if (!index) {
    index = new Map(built.segmentation.users.map((u) => [u.userId, u.segment]));
    segmentIndex.set(built.segmentation, index);
  }
  const segment = index.get(unit);
  return segment !== undefined && segments.includes(segment);
}

/** The arm of the experiment running on recommendations, for a user or visitor (by stored id: stable under pseudonymisation). */
function assignment(ctx: AppContext, unit: string | null): ExperimentAssignment | undefined {
  const experiment = unit === null ? undefined : ctx.experiments.runningOn('recommendations');
  if (!experiment || unit === null) return undefined;
  if (experiment.audience.segments && !inSegments(ctx, unit, experiment.audience.segments)) return undefined;
  const arm = assignArm(experiment.id, unit, experiment.arms);
  return {
    id: experiment.id,
    arm: arm.id,
    audience: experiment.audience.users,
    ...(arm.model ? { model: arm.model } : {}),
    ...(arm.rules ? { rules: arm.rules } : {}),
    ...(arm.policy ? { policy: arm.policy, policyParams: arm.policyParams ?? {} } : {}),
    ...(arm.exploreWeight !== undefined ? { exploreWeight: arm.exploreWeight } : {}),
  };
}

export function slateRequest(ctx: AppContext, input: SlateInput, unit: string | null): SlateRequest {
  const experiment = assignment(ctx, unit);
  return {
    ...(experiment ? { experiment } : {}),
    count: input.n ?? ctx.config.serving.defaultCount,
    exploreWeight: input.explore ?? ctx.config.serving.exploreWeight,
    // The deployment's weight is spread over shoppers by need; a weight the request gives is used as it is.
    adaptive: input.explore === undefined && ctx.config.serving.adaptiveExplore,
    category: input.category,
    exclude: input.exclude ?? [],
  };
}

/** Serves a slate and times it into its experiment arm's latency guardrail when it was served in one. */
async function timed<T extends { experiment: { id: string; arm: string } | null }>(ctx: AppContext, serve: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const rec = await serve();
  if (rec.experiment) ctx.metrics.observeArm(rec.experiment.id, rec.experiment.arm, (performance.now() - started) / 1000);
  return rec;
}

/** Personalised slates for known users and for anonymous sessions. */
export const recommendationRoutes: RouteModule = (ctx: AppContext) => {
  const key = ctx.ingestor.userKey;
  const runtime = ctx.recommendations;
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/users/:id/recommendations',
      scope: 'read',
      tag: 'recommendations',
      summary: 'A personalised slate for a user',
      description:
        "Reads the user's newest events at request time, so a new event changes the next slate at once. Unknown users " +
        'get cold-start (popular, trending) slates; users with consent.personalization=false get non-personalised ones ' +
        '(`mode` says which). Each item carries its reason and propensity; the server logs one `impression` event per ' +
        'slot (not for users with consent.tracking=false). Send `recommendationId` back in the context of clicks and purchases.',
      params: idParamsSchema,
      query: slateQuerySchema,
      responses: { 200: recommendationSchema },
      handler: async ({ params, query }) => {
        const request = slateRequest(ctx, query, key(params.id));
        const rec = await timed(ctx, () => runtime.forUser({ rawId: params.id, storedId: key(params.id) }, request));
        return { ...rec, userId: params.id };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/recommendations',
      scope: 'read',
      tag: 'recommendations',
      summary: 'A slate for an anonymous visitor, from the recent events in the body',
      description:
        'Session-based: the state is the events sent, nothing is read from the store. With `visitorId`, impressions ' +
        'are logged under that id (its consent applies).',
      body: sessionBodySchema,
      responses: { 200: recommendationSchema },
      handler: async ({ body }) => {
        const base = Date.now() - body.events.length;
        const history: HistoryEvent[] = body.events.map((e, k) => ({ itemId: e.itemId, type: e.type, timestamp: e.timestamp ?? base + k }));
        const visitor = body.visitorId ? { rawId: body.visitorId, storedId: key(body.visitorId), sessionId: body.sessionId ?? null } : null;
        const request = slateRequest(ctx, body, visitor?.storedId ?? null);
        const rec = await timed(ctx, () => runtime.forSession(history, request, visitor));
        return { ...rec, userId: body.visitorId ?? null };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/recommendations/status',
      scope: 'admin',
      tag: 'recommendations',
      summary: 'What is being served: model, snapshot sizes, the policy state, feedback counts',
      responses: { 200: statusSchema },
      handler: async () => runtime.status(),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/recommendations/refresh',
      scope: 'admin',
      tag: 'recommendations',
      summary: 'Rebuild the serving snapshot now (refit or reload the model) and swap it in',
      responses: { 200: statusSchema },
      handler: async () => {
        await runtime.refresh();
        return runtime.status();
      },
    }),
  ];
};

const statusSchema = z.object({
  model: z.string().nullable(),
  modelVersion: z.string().nullable(),
  modelSource: z.enum(['fitted', 'loaded', 'none']),
  builtAt: z.string(),
  buildSeconds: z.number(),
  trainingEvents: z.number().int(),
  trainingUsers: z.number().int(),
  items: z.number().int(),
  policy: z.object({ policy: z.string(), version: z.number().int(), params: z.record(z.string(), z.unknown()), state: z.unknown() }),
  feedback: z.object({ impressions: z.number().int(), rewards: z.number().int(), ignored: z.number().int() }),
  published: publishedListsSchema,
});
