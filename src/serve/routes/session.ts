import { z } from 'zod';
import { API_SCOPES, CurioError } from '../../core/index.js';
import { presentedKey } from '../auth.js';
import type { AppContext, RouteModule } from '../context.js';
import { defineRoute } from '../route.js';

const whoamiSchema = z.object({
  actor: z.string().meta({ description: 'How the audit log names this key' }),
  scopes: z.array(z.enum(API_SCOPES)).meta({ description: 'What the key may do; admin holds every scope' }),
  authDisabled: z.boolean().meta({ description: 'auth.disabled: every request is allowed, with or without a key' }),
});

/**
 * Who the presented key is and what it may do, so a client (the console) can hide what the key does not
 * allow instead of letting it fail. Open, because any valid key may ask, whatever its scopes; the handler
 * resolves the key itself and answers 401 for a missing, unknown, expired or revoked one.
 */
export const sessionRoutes: RouteModule = (ctx: AppContext) => [
  defineRoute({
    method: 'GET',
    url: '/v1/auth/whoami',
    scope: 'open',
    tag: 'ops',
    summary: "The presented API key's name and scopes",
    description: 'Send the key as for any other route; answers 401 without a valid one.',
    responses: { 200: whoamiSchema },
    errors: [401],
    handler: async ({ request }) => {
      if (ctx.config.auth.disabled) return { actor: 'anonymous', scopes: [...API_SCOPES], authDisabled: true };
      const key = presentedKey(request);
      if (key === null) throw new CurioError('UNAUTHORIZED', 'missing API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"');
      const found = await ctx.apiKeys.resolve(key);
      if ('refused' in found)
        throw new CurioError('UNAUTHORIZED', `this API key is ${found.refused === 'unknown' ? 'unknown' : found.refused}`);
      const scopes = API_SCOPES.filter((s) => found.caller.scopes.has(s));
      return { actor: found.caller.actor, scopes, authDisabled: false };
    },
  }),
];
