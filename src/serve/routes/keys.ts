import { z } from 'zod';
import { API_SCOPES } from '../../core/index.js';
import {
  ANONYMOUS_ACTOR,
  apiKeyInputSchema,
  configKeyActor,
  createApiKey,
  KEY_KINDS,
  KEY_STATES,
  keyListing,
  revokeApiKey,
} from '../../privacy/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { defineRoute } from '../route.js';
import { idParamsSchema } from '../schemas.js';

const keySchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(API_SCOPES)),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  rateLimitPerSecond: z.number().nullable().meta({ description: "null: the server's server.rateLimitPerSecond" }),
  createdBy: z.string().meta({ description: 'The audit actor that created it' }),
  kind: z.enum(KEY_KINDS).meta({
    description: '`secret` (scopes) or `publishable` (a storefront key: visitor events and recommendations, from `origins` only)',
  }),
  origins: z.array(z.string()).meta({ description: "A publishable key's browser origins; empty for a secret key" }),
  state: z.enum(KEY_STATES),
});

const createdKeySchema = keySchema.extend({
  key: z.string().meta({ description: 'The key itself: shown this once, stored only as its SHA-256' }),
});

const configuredKeySchema = z.object({
  actor: z.string().meta({ description: 'How the audit log names it: "config key <name>" (or its place in auth.keys)' }),
  scopes: z.array(z.enum(API_SCOPES)),
});

/** API keys in the store: list, create (the key is in the answer, once), revoke. Keys from the configuration are listed, not managed. */
export const keyRoutes: RouteModule = (ctx: AppContext) => [
  defineRoute({
    method: 'GET',
    url: '/v1/admin/keys',
    scope: 'admin',
    tag: 'access',
    summary: "Stored API keys, oldest first, with their state (never the key), and the configuration's keys by name",
    responses: { 200: z.object({ keys: z.array(keySchema), configured: z.array(configuredKeySchema) }) },
    handler: async () => {
      const now = Date.now();
      return {
        keys: (await ctx.store.listApiKeys()).map((k) => keyListing(k, now)),
        configured: ctx.config.auth.keys.map((k, i) => ({ actor: configKeyActor(k.name, i), scopes: k.scopes })),
      };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/admin/keys',
    scope: 'admin',
    tag: 'access',
    summary:
      'Create an API key with scopes (or a publishable key with origins), an optional expiry and rate limit; the answer holds the key, once',
    description:
      'Store the key at once: Curio keeps only its SHA-256 and cannot show it again. Every server accepts it from its next request. ' +
      'With `publishable: true` and `origins`, the key (`curio_pk_…`) may only send visitor events and read visitor recommendations, from those origins (docs/api.md, "Publishable keys").',
    body: apiKeyInputSchema,
    responses: { 201: createdKeySchema },
    handler: async ({ body, request, reply }) => {
      const { key, listing } = await createApiKey(ctx.store, body, request.caller?.actor ?? ANONYMOUS_ACTOR);
      reply.code(201);
      return { ...listing, key };
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/v1/admin/keys/:id',
    scope: 'admin',
    tag: 'access',
    summary: 'Revoke a stored API key (again: unchanged)',
    description: `Refused at once by this server, and by every other within \`auth.keyCacheSeconds\` (default 5). Keys from the configuration are removed there.`,
    params: idParamsSchema,
    responses: { 200: keySchema },
    errors: [404],
    handler: async ({ params }) => {
      const revoked = await revokeApiKey(ctx.store, params.id);
      ctx.apiKeys.invalidate();
      return revoked;
    },
  }),
];
