import { z } from 'zod';
import { DEFAULT_CONSENT } from '../../core/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { defineRoute } from '../route.js';
import { idParamsSchema } from '../schemas.js';

const consentStateSchema = z.object({
  userId: z.string(),
  record: z.boolean().meta({ description: 'Whether a user record is stored; without one the defaults apply' }),
  known: z.boolean().meta({ description: 'A record or any stored event: false for a user never seen, or erased' }),
  consent: z.object({ tracking: z.boolean(), personalization: z.boolean() }).meta({ description: 'The consent in force' }),
});

/**
 * The consent in force for a user, with or without a stored record, and whether the server knows them at all:
 * unlike `GET /v1/users/:id` this never answers 404, so a shopper who never got a record reads as the defaults
 * they are served under, and the console can say "unknown" without a failed request.
 */
export const consentStateRoutes: RouteModule = (ctx: AppContext) => [
  defineRoute({
    method: 'GET',
    url: '/v1/users/:id/consent',
    scope: 'read',
    tag: 'users',
    summary: 'The consent in force for a user (the defaults when they have no record)',
    params: idParamsSchema,
    responses: { 200: consentStateSchema },
    handler: async ({ params }) => {
      const stored = ctx.ingestor.userKey(params.id);
      const user = await ctx.store.getUser(stored);
      const known = user !== null || (await ctx.store.userEvents(stored, { limit: 1 })).length > 0;
      return { userId: params.id, record: user !== null, known, consent: user?.consent ?? DEFAULT_CONSENT };
    },
  }),
];
