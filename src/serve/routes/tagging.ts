import { z } from 'zod';
import { CurioError, type Item, type Problem } from '../../core/index.js';
import { itemInputSchema } from '../../ingest/index.js';
import { withoutRejected, type TagPrediction } from '../../interest/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { type TaggerBuild } from '../../recommend/index.js';
import { tagResultSchema, taggerStatusSchema } from './insight-schemas.js';
import { defineRoute } from '../route.js';

const MAX_ITEMS_PER_TAG_REQUEST = 1000;

/** An item to tag: any item fields, `id` optional (with a stored id its co-occurrence counts too). */
const draftSchema = itemInputSchema
  .partial({ id: true })
  .refine((d) => Boolean(d.id || d.title || d.description || d.brand), 'an item to tag needs an id, a title, a description or a brand');

const tagBody = z
  .object({
    items: z
      .array(draftSchema)
      .max(MAX_ITEMS_PER_TAG_REQUEST)
      .default([])
      .meta({ description: 'Items described in the body (not stored)' }),
    itemIds: z.array(z.string().min(1).max(256)).max(MAX_ITEMS_PER_TAG_REQUEST).default([]).meta({ description: 'Ids of stored items' }),
  })
  .strict()
  .refine((b) => b.items.length + b.itemIds.length > 0, 'send at least one of items or itemIds')
  .refine((b) => b.items.length + b.itemIds.length <= MAX_ITEMS_PER_TAG_REQUEST, `at most ${MAX_ITEMS_PER_TAG_REQUEST} items per request`);

const asPrediction = (p: TagPrediction, id: string | null) => ({ ...p, itemId: id });

function taggerInfo(ctx: AppContext, build: TaggerBuild) {
  const t = build.tagger;
  return {
    ...ctx.insight.tagger.status()!,
    labelledItems: build.labelledItems,
    events: build.events,
    categories: t.categories.length,
    tags: t.tags.length,
    features: t.features,
  };
}

/** Stored items for these ids, or a 400 listing every unknown id by its path. */
async function storedItems(ctx: AppContext, ids: string[]): Promise<Item[]> {
  const found = new Map((await ctx.store.getItems(ids)).map((i) => [i.id, i] as const));
  const problems: Problem[] = ids.flatMap((id, k) => (found.has(id) ? [] : [{ path: `itemIds.${k}`, message: `no item with id "${id}"` }]));
  if (problems.length) throw new CurioError('BAD_INPUT', `unknown item ids: ${problems.length} of ${ids.length}`, { problems });
  return ids.map((id) => found.get(id)!);
}

/** Auto-tagging: predicted category and tags, from a tagger trained on the store's labelled catalogue. */
export const taggingRoutes: RouteModule = (ctx: AppContext) => {
  const cache = ctx.insight.tagger;
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/items/tag',
      scope: 'read',
      tag: 'insight',
      summary: 'Predict category and tags for items, with confidences',
      description:
        'The tagger (softmax over categories, one-vs-rest logistic tags, over text n-grams, brand and co-occurrence in ' +
        "users' sequences) is trained from the store's labelled items on first use and cached (`taggerTtlSeconds`). " +
        "Nothing is written: apply predictions with PATCH /v1/items/:id or `curio tag`; tags listed in a stored item's " +
        '`attributes.rejectedTags` (rejected by a person, e.g. in the console) are not predicted for it again. Unknown `itemIds` are a 400 with ' +
        'one problem per id; 409 while no stored item has a category or tags.',
      body: tagBody,
      responses: { 200: tagResultSchema },
      errors: [409],
      handler: async ({ body }) => {
        const stored = await storedItems(ctx, body.itemIds);
        const build = (await cache.get()).value;
        const drafts = body.items.map((d) => ({ ...d, id: d.id ?? '' }) as Item);
        return {
          items: drafts.map((d) => asPrediction(build.tagger.predict(d), d.id || null)),
          itemIds: stored.map((i) => asPrediction(withoutRejected(i, build.tagger.predict(i)), i.id)),
          model: taggerInfo(ctx, build),
        };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/items/tag/refresh',
      scope: 'admin',
      tag: 'insight',
      summary: 'Retrain the auto-tagger from the store now',
      responses: { 200: z.object({ model: taggerStatusSchema }) },
      errors: [409],
      handler: async () => ({ model: taggerInfo(ctx, (await cache.refresh()).value) }),
    }),
  ];
};
