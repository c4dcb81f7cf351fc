import { v7 as uuidv7 } from 'uuid';
import type { AppContext, RouteModule } from '../context.js';
import { defineRoute } from '../route.js';
import { idParamsSchema } from '../schemas.js';
import { lookalikeItems } from '../../recommend/index.js';
import { itemListQuerySchema, itemListSchema, listQuerySchema, similarQuerySchema, trendingListSchema } from './rec-schemas.js';

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
      summary: 'Items often viewed with this one, or (by=picture) that look like it',
      description:
        'Co-visitation within a few events of the same shopper, topped up with popular items of its category. With ' +
        "`by=picture`: the items whose pictures (or sent embeddings) are nearest to this item's (404 when it has none).",
      params: idParamsSchema,
      query: similarQuerySchema,
      responses: { 200: itemListSchema },
      errors: [404],
      handler: async ({ params, query }) =>
        query.by === 'picture'
          ? {
              recommendationId: uuidv7(),
              items: lookalikeItems(runtime.snapshot, ctx.pictures, params.id, count(query.n)),
              itemId: params.id,
            }
          : { ...runtime.related(params.id, count(query.n), 'similar'), itemId: params.id },
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
      description:
        'Topped up with popular items. Items acted on by fewer than `privacy.minGroupSize` distinct users (in the trending ' +
        'window, or overall for the popular top-up) are not listed; `published.suppressed` counts them. With `privacy.epsilon` ' +
        'set, both are ranked by noised audiences, released every `privacy.releaseMinutes`, and `score` is the noised audience ' +
        'relative to the first.',
      query: listQuerySchema,
      responses: { 200: trendingListSchema },
      handler: async ({ query }) => ({ ...runtime.trending(count(query.n), query.category), published: runtime.publishedLists() }),
    }),
  ];
};
