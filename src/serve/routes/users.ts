import { z } from 'zod';
import { CurioError, EVENT_TYPES, type User } from '../../core/index.js';
import { userInputSchema } from '../../ingest/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { defineRoute } from '../route.js';
import { idParamsSchema, nextCursor, pageQuerySchema, storedEventSchema, userSchema } from '../schemas.js';

const MAX_EVENTS_PER_READ = 10_000;

const userEventsQuery = z
  .object({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_EVENTS_PER_READ)
      .default(100)
      .meta({ description: 'The newest N events (returned oldest first)' }),
    types: z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.enum(EVENT_TYPES)))
      .optional()
      .meta({ description: 'Comma-separated event types, e.g. view,purchase' }),
    before: z.coerce.number().int().optional().meta({ description: 'Only events strictly before this epoch-ms time (paging)' }),
  })
  .strict();

const notFound = (id: string) => new CurioError('NOT_FOUND', `no user with id "${id}"`);

/** The API speaks the shop's ids; the stored (possibly pseudonymised) id never leaves the server. */
const asShopUser = (user: User, rawId: string): User => ({ ...user, id: rawId });

/** Users: attributes and consent, their event history, and erasure. Every path id goes through `userKey`. */
export const userRoutes: RouteModule = (ctx: AppContext) => {
  const key = ctx.ingestor.userKey;
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/users',
      scope: 'admin',
      tag: 'users',
      summary: 'User records, a page at a time in id order',
      description: "With pseudonymised ids (`CURIO_ID_SECRET`) the shop's ids are not stored, so there is nothing to list: 409.",
      query: pageQuerySchema,
      responses: {
        200: z.object({
          users: z.array(userSchema),
          next: z.string().nullable().meta({ description: 'Pass as `after` for the next page; null at the end' }),
        }),
      },
      errors: [409],
      handler: async ({ query }) => {
        if (ctx.config.privacy.idSecret !== null) {
          throw new CurioError(
            'CONFLICT',
            "user ids are pseudonymised (CURIO_ID_SECRET): the shop's ids are not stored and cannot be listed",
          );
        }
        const users = await ctx.store.listUsers({ after: query.after, limit: query.limit });
        return { users, next: nextCursor(users, query.limit) };
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/v1/users/:id',
      scope: 'ingest',
      tag: 'users',
      summary: 'Create or update a user (attributes, consent)',
      description:
        'Fields left out keep their value. `consent.tracking=false` stops all logging for this user from the next request on ' +
        'every node: their events are refused at ingest, and no impression, slate, decision or feedback of theirs is written ' +
        'or cached. `consent.personalization=false` makes recommendations for them non-personalised and leaves them out of ' +
        'segments, interests, intent and experiments. To also erase what was logged before, `DELETE /v1/users/{id}/history`.',
      params: idParamsSchema,
      body: userInputSchema,
      responses: { 200: userSchema },
      handler: async ({ params, body }) => asShopUser(await ctx.ingestor.putUser(params.id, body), params.id),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/users/:id',
      scope: 'read',
      tag: 'users',
      summary: 'Read a user record',
      params: idParamsSchema,
      responses: { 200: userSchema },
      errors: [404],
      handler: async ({ params }) => {
        const user = await ctx.store.getUser(key(params.id));
        if (!user) throw notFound(params.id);
        return asShopUser(user, params.id);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/users/:id/events',
      scope: 'read',
      tag: 'users',
      summary: "A user's newest events, oldest first",
      description: '404 when the user has neither a record nor any event.',
      params: idParamsSchema,
      query: userEventsQuery,
      responses: { 200: z.object({ userId: z.string(), events: z.array(storedEventSchema) }) },
      errors: [404],
      handler: async ({ params, query }) => {
        const stored = key(params.id);
        const events = await ctx.store.userEvents(stored, { limit: query.limit, types: query.types, before: query.before });
        if (events.length === 0 && !(await isKnownUser(ctx, stored))) throw notFound(params.id);
        return { userId: params.id, events: events.map((e) => ({ ...e, userId: params.id })) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/users/:id/history',
      scope: 'admin',
      tag: 'users',
      summary: 'Withdraw tracking and erase the history: the record stays with consent.tracking=false; answers a receipt id',
      description:
        'Sets `consent.tracking=false` (logging stops on every node from the next request), then runs the erasure of ' +
        '`DELETE /v1/users/{id}` on everything but the record: events, decisions, caches, bus, rows of trained models. The ' +
        'record keeps its attributes and consent, so the refusal is remembered and later events are refused. Admin scope, ' +
        'as every erasure. `GET /v1/admin/erasures/{erasureId}` shows each target.',
      params: idParamsSchema,
      responses: {
        200: z.object({
          id: z.string(),
          erasureId: z.string(),
          state: z.enum(['pending', 'done']).meta({ description: "The receipt's state now (pending while models are retrained)" }),
          user: userSchema.meta({ description: 'The record kept, consent.tracking false' }),
          erased: z.object({
            events: z.number().int().meta({ description: 'Events of every type, impressions included' }),
            impressions: z.number().int(),
            decisions: z.number().int().meta({ description: 'Logged decisions and served slates' }),
          }),
        }),
      },
      errors: [409],
      handler: async ({ params }) => {
        // Refused first: from here on nothing of theirs is logged, so nothing lands after the erasure below.
        const user = await ctx.ingestor.putUser(params.id, { consent: { tracking: false } });
        const result = await ctx.erasures.erase(params.id, { keepRecord: true });
        // Only a concurrent DELETE /v1/users/:id can take the record away between the two steps.
        if (!result) throw new CurioError('CONFLICT', `user "${params.id}" was erased entirely while their history was being erased`);
        const { events, impressions, decisions } = result.erased;
        return {
          id: params.id,
          erasureId: result.erasureId,
          state: result.receipt.state,
          user: asShopUser(user, params.id),
          erased: { events, impressions, decisions },
        };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/users/:id',
      scope: 'admin',
      tag: 'users',
      summary: 'Erase a user everywhere: record, consent, events, decisions, caches, bus, trained models; answers a receipt id',
      description:
        'The rows go in one transaction; every process forgets the user at once; model versions trained on them are ' +
        'retrained or deleted within `privacy.modelErasureHours`. `GET /v1/admin/erasures/{erasureId}` shows each target. ' +
        '404 when the store holds no record, event or decision of the user.',
      params: idParamsSchema,
      responses: {
        200: z.object({
          id: z.string(),
          erasureId: z.string(),
          state: z.enum(['pending', 'done']).meta({ description: "The receipt's state now (pending while models are retrained)" }),
          erased: z.object({
            user: z.boolean(),
            events: z.number().int().meta({ description: 'Events of every type, impressions included' }),
            impressions: z.number().int(),
            decisions: z.number().int().meta({ description: 'Logged decisions and served slates' }),
          }),
        }),
      },
      errors: [404],
      handler: async ({ params, reply }) => {
        const storedId = key(params.id);
        const result = await ctx.erasures.erase(params.id);
        // Hooks that run after this handler (the audit log) may pseudonymise the id again: the cache forgets it once the answer is out.
        reply.raw.once('finish', () => ctx.ingestor.userKey.forget(storedId));
        if (!result) throw notFound(params.id);
        const { user, events, impressions, decisions } = result.erased;
        return {
          id: params.id,
          erasureId: result.erasureId,
          state: result.receipt.state,
          erased: { user, events, impressions, decisions },
        };
      },
    }),
  ];
};

/** A user exists when there is a record or at least one event of theirs. */
async function isKnownUser(ctx: AppContext, storedId: string): Promise<boolean> {
  if (await ctx.store.getUser(storedId)) return true;
  return (await ctx.store.userEvents(storedId, { limit: 1 })).length > 0;
}
