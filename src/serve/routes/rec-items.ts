import type { AppContext, RouteModule } from '../context.js';
import { defineRoute } from '../route.js';
import { idParamsSchema } from '../schemas.js';
import { itemListQuerySchema, itemListSchema, listQuerySchema } from './rec-schemas.js';

/** Non-personalised lists: similar items, bought together, trending. */
export const recItemRoutes: RouteModule = (ctx: AppContext) => {
  const runtime = ctx.recommendations;
  const count = (n: number | undefined) => n ?? ctx.config.serving.defaultCount;
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/items/:id/similar',
      scope: 'read',
      tag: 'recommendations',
      summary: 'Items often viewed with this one',
      description: 'Co-visitation within a few events of the same shopper, topped up with popular items of its category.',
      params: idParamsSchema,
      query: itemListQuerySchema,
      responses: { 200: itemListSchema },
      errors: [404],
      handler: async ({ params, query }) => ({ ...runtime.related(params.id, count(query.n), 'similar'), itemId: params.id }),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/items/:id/bought-together',
      scope: 'read',
      tag: 'recommendations',
      summary: 'Items often carted or bought with this one',
      params: idParamsSchema,
      query: itemListQuerySchema,
      responses: { 200: itemListSchema },
      errors: [404],
      handler: async ({ params, query }) => ({ ...runtime.related(params.id, count(query.n), 'bought-together'), itemId: params.id }),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/trending',
      scope: 'read',
      tag: 'recommendations',
      summary: 'Trending items (decayed behaviour counts, updated with every event)',
      query: listQuerySchema,
      responses: { 200: itemListSchema },
      handler: async ({ query }) => runtime.trending(count(query.n), query.category),
    }),
  ];
};
