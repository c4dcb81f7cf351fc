import { z } from 'zod';
import { predictIntent, SESSION_ACTIONS, type IntentModel } from '../../interest/index.js';
import { largeEnough } from '../../privacy/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { itemsOf, requireUser, userBehaviour } from '../../recommend/index.js';
import { intentModelSchema, intentSchema } from './insight-schemas.js';
import { defineRoute } from '../route.js';
import { idParamsSchema } from '../schemas.js';

const intentQuery = z
  .object({
    at: z.coerce
      .number()
      .int()
      .nonnegative()
      .optional()
      .meta({ description: 'Epoch ms to score at (events after it are ignored); default now' }),
  })
  .strict();

/** The model's cache state and what it was fitted on; its base rates only when they describe at least `privacy.minGroupSize` users. */
function modelInfo(ctx: AppContext, model: IntentModel) {
  const { trainedOn } = model;
  const suppressed = !largeEnough(trainedOn.users, ctx.config.privacy.minGroupSize);
  return {
    ...ctx.insight.intent.status()!,
    trainedOn: suppressed ? { ...trainedOn, inSessionRate: null, nextEventsRate: null, suppressed } : { ...trainedOn, suppressed },
  };
}

const refreshSchema = z.object({ model: intentModelSchema });

/** Purchase intent: the probability that the user buys in this session and within the next N events. */
export const intentRoutes: RouteModule = (ctx: AppContext) => [
  defineRoute({
    method: 'GET',
    url: '/v1/users/:id/intent',
    scope: 'read',
    tag: 'insight',
    summary: 'Probability of a purchase in the current session and within the next N events',
    description:
      'Two logistic models over session features (counts by type, open cart, dwell, prices, history of earlier ' +
      "sessions), trained from the store's events on first use and cached (`intentTtlSeconds`). The user's session is " +
      'read per request. `sessionActive=false` means the last action is older than 30 minutes and the figures are for a ' +
      'session starting now. 404 for an unknown user; `{userId, personalization: false}` for a user who refused personalisation.',
    params: idParamsSchema,
    query: intentQuery,
    responses: { 200: intentSchema },
    errors: [404, 409],
    handler: async ({ params, query }) => {
      const user = await requireUser(ctx.store, ctx.ingestor.userKey(params.id), params.id);
      if (!user.personalization) return { userId: params.id, personalization: false as const };
      const model = (await ctx.insight.intent.get()).value;
      const at = query.at ?? ctx.insight.now();
      const events = await userBehaviour(ctx.store, user.storedId, {
        limit: ctx.insight.settings.maxUserEvents,
        types: [...SESSION_ACTIONS],
        at,
      });
      const p = predictIntent(model, user.storedId, events, await itemsOf(ctx.store, events), at);
      const { userId: _stored, ...rest } = p;
      return { userId: params.id, personalization: true as const, at, ...rest, model: modelInfo(ctx, model) };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/intent/refresh',
    scope: 'admin',
    tag: 'insight',
    summary: 'Retrain the purchase-intent model from the store now',
    responses: { 200: refreshSchema },
    errors: [409],
    handler: async () => ({ model: modelInfo(ctx, (await ctx.insight.intent.refresh()).value) }),
  }),
];
