import { z } from 'zod';
import { CurioError } from '../../core/index.js';
import { itemInputSchema, itemPatchSchema } from '../../ingest/index.js';
import { MAX_SEARCH_WORDS } from '../../store/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { defineRoute } from '../route.js';
import { idParamsSchema, itemBatchResultSchema, itemSchema, nextCursor, pageQuerySchema } from '../schemas.js';

const notFound = (id: string) => new CurioError('NOT_FOUND', `no item with id "${id}"`);

/** The catalogue: batch upsert, read, partial update, delete. */
export const itemRoutes: RouteModule = (ctx: AppContext) => {
  const max = ctx.config.server.maxBatchEvents;
  const envelope = z.object({ items: z.array(z.unknown()).max(max, `a batch holds at most ${max} items`) }).strict();
  return [
    defineRoute({
      method: 'PUT',
      url: '/v1/items',
      scope: 'ingest',
      tag: 'items',
      summary: 'Create or replace a batch of items',
      description: `Up to ${max} items per request; valid rows are stored, invalid ones listed in \`rejected\` by index.`,
      body: envelope,
      documentedBody: z.object({ items: z.array(itemInputSchema).max(max) }),
      responses: { 200: itemBatchResultSchema },
      handler: async ({ body }) => ctx.ingestor.putItems(body.items),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/items',
      scope: 'read',
      tag: 'items',
      summary: 'The catalogue, a page at a time in id order; `q` searches it',
      description:
        '`q`: words that must all appear, case-insensitively, in the id, title, brand, category path or tags (at most ' +
        `${MAX_SEARCH_WORDS} words are used); the matches come in id order and page with \`after\` like the whole list.`,
      query: pageQuerySchema.extend({
        q: z.string().trim().min(1).max(200).optional().meta({ description: 'Search words (id, title, brand, category, tags)' }),
      }),
      responses: {
        200: z.object({
          items: z.array(itemSchema),
          next: z.string().nullable().meta({ description: 'Pass as `after` for the next page; null at the end' }),
        }),
      },
      handler: async ({ query }) => {
        const items = await ctx.store.listItems({ after: query.after, limit: query.limit, search: query.q });
        return { items, next: nextCursor(items, query.limit) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/items/:id',
      scope: 'read',
      tag: 'items',
      summary: 'Read one item',
      params: idParamsSchema,
      responses: { 200: itemSchema },
      errors: [404],
      handler: async ({ params }) => {
        const item = await ctx.store.getItem(params.id);
        if (!item) throw notFound(params.id);
        return item;
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v1/items/:id',
      scope: 'ingest',
      tag: 'items',
      summary: 'Change some fields of an item',
      params: idParamsSchema,
      body: itemPatchSchema,
      responses: { 200: itemSchema },
      errors: [404],
      handler: async ({ params, body }) => {
        const item = await ctx.ingestor.patchItem(params.id, body);
        if (!item) throw notFound(params.id);
        return item;
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/items/:id',
      scope: 'admin',
      tag: 'items',
      summary: 'Delete an item and its picture (its past events stay)',
      params: idParamsSchema,
      responses: { 200: z.object({ id: z.string(), deleted: z.literal(true) }) },
      errors: [404],
      handler: async ({ params }) => {
        if (!(await ctx.ingestor.deleteItem(params.id))) throw notFound(params.id);
        // Its picture goes with it (the past events stay: they are the shoppers' history).
        await ctx.pictures.remove(params.id);
        return { id: params.id, deleted: true as const };
      },
    }),
  ];
};
