import { z } from 'zod';
import { CurioError } from '../../core/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { pictureBodyRoute } from '../picture-body.js';
import { defineRoute } from '../route.js';
import { idParamsSchema } from '../schemas.js';
import { recommendationSchema, slateQuerySchema } from './rec-schemas.js';
import { slateRequest } from './recommendations.js';
import { showable } from '../../recommend/index.js';

/** Any body reaches the handler, which names the body in its problem when it is not picture bytes (a JSON body, say). */
const pictureBody = z.unknown();

function pictureBytes(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  const message = 'send the picture bytes with Content-Type image/png or image/jpeg (or application/octet-stream)';
  throw new CurioError('BAD_INPUT', `invalid picture: ${message}`, { problems: [{ path: 'body', message }] });
}

const receiptSchema = z.object({
  itemId: z.string(),
  kind: z.enum(['image', 'embedding']).meta({ description: 'An uploaded picture, or an embedding the shop sent' }),
  size: z.number().int().nullable().meta({ description: 'Side in pixels of the stored greyscale picture; null for an embedding' }),
  dim: z.number().int().nullable().meta({ description: 'Length of the embedding; null while no image encoder has embedded the picture' }),
  encoder: z.string().nullable().meta({ description: 'The image encoder version that embedded the picture' }),
  updatedAt: z.string(),
});

const embeddingBodySchema = z
  .object({
    embedding: z
      .array(z.number().finite())
      .min(2)
      .max(4096)
      .refine((v) => v.some((x) => x !== 0), 'an all-zero vector has no direction to compare')
      .meta({ description: "The item's vector from the shop's own image model; one length per shop (pictures.embeddingDim)" }),
  })
  .strict();

const byPictureQuerySchema = slateQuerySchema
  .extend({
    userId: z.string().min(1).max(256).optional().meta({
      description: 'The shopper, when known: the lookalikes are re-ranked by their interests and impressions are logged (consent applies)',
    }),
  })
  .strict();

/** How many lookalikes of a photo the pipeline ranks for a slate of n. */
const lookalikePool = (n: number): number => Math.max(50, 5 * n);

const notFound = (id: string) => new CurioError('NOT_FOUND', `no item with id "${id}"`);

/** Item pictures and embeddings (docs/pictures.md), and shop by photo. */
export const pictureRoutes: RouteModule = (ctx: AppContext) => {
  const { pictures } = ctx;
  const maxBytes = ctx.config.pictures.maxBytes;
  const key = ctx.ingestor.userKey;
  const requireItem = async (id: string) => {
    if (!(await ctx.store.getItem(id))) throw notFound(id);
  };
  return [
    pictureBodyRoute(
      defineRoute({
        method: 'PUT',
        url: '/v1/items/:id/picture',
        scope: 'ingest',
        tag: 'items',
        summary: "Upload an item's picture (PNG or JPEG)",
        description:
          `The raw bytes, up to pictures.maxBytes (${maxBytes}). The picture is kept greyscale at the image encoder's size ` +
          'and embedded by it, for similar-by-picture, shop by photo and cold start. Replaces an earlier picture or embedding.',
        params: idParamsSchema,
        body: pictureBody,
        responses: { 200: receiptSchema },
        errors: [404],
        handler: async ({ params, body }) => {
          await requireItem(params.id);
          const picture = await pictures.decode(pictureBytes(body));
          return (await pictures.putPictures([{ itemId: params.id, picture }]))[0];
        },
      }),
      maxBytes,
    ),
    defineRoute({
      method: 'PUT',
      url: '/v1/items/:id/embedding',
      scope: 'ingest',
      tag: 'items',
      summary: "Send an item's embedding from the shop's own image model",
      description:
        'Finite numbers, the same length for every item (pictures.embeddingDim, or the first one stored). Used for ' +
        'similar-by-picture among the items with sent embeddings. Replaces an earlier picture or embedding.',
      params: idParamsSchema,
      body: embeddingBodySchema,
      responses: { 200: receiptSchema },
      errors: [404],
      handler: async ({ params, body }) => {
        await requireItem(params.id);
        return pictures.putEmbedding(params.id, Float32Array.from(body.embedding));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/items/:id/picture',
      scope: 'read',
      tag: 'items',
      summary: "What is stored of an item's picture (kind, size, embedding length, encoder)",
      params: idParamsSchema,
      responses: { 200: receiptSchema },
      errors: [404],
      handler: async ({ params }) => {
        const found = await pictures.describe(params.id);
        if (!found) throw new CurioError('NOT_FOUND', `item "${params.id}" has no picture or embedding`);
        return found;
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/items/:id/picture',
      scope: 'ingest',
      tag: 'items',
      summary: "Delete an item's picture or embedding",
      params: idParamsSchema,
      responses: { 200: z.object({ deleted: z.boolean() }) },
      handler: async ({ params }) => ({ deleted: await pictures.remove(params.id) }),
    }),
    pictureBodyRoute(
      defineRoute({
        method: 'POST',
        url: '/v1/recommendations/by-picture',
        scope: 'read',
        tag: 'recommendations',
        summary: 'Shop by photo: products that look like the picture in the body',
        description:
          'The raw PNG or JPEG bytes. The items that look most like it are ranked by their likeness and, with `userId`, ' +
          "re-ranked by that shopper's interests; the usual rules (stock, exclusions, category), exploration slots and " +
          'propensities apply, and impressions are logged for a known shopper. The photo itself is never stored. ' +
          '503 while no image encoder is trained.',
        query: byPictureQuerySchema,
        body: pictureBody,
        responses: { 200: recommendationSchema },
        errors: [503],
        handler: async ({ query, body }) => {
          const vector = await pictures.embedPhoto(pictureBytes(body));
          const request = slateRequest(ctx, query, null);
          const snap = ctx.recommendations.snapshot;
          const index = pictures.index('picture');
          const hits = index ? index.search(vector, lookalikePool(request.count), (id) => showable(snap, id)) : [];
          const lookalikes = hits.map((h) => ({ itemId: h.itemId, similarity: h.similarity }));
          const runtime = ctx.recommendations;
          const rec = query.userId
            ? await runtime.forUser({ rawId: query.userId, storedId: key(query.userId) }, { ...request, lookalikes })
            : await runtime.forSession([], { ...request, lookalikes }, null);
          return { ...rec, userId: query.userId ?? null };
        },
      }),
      maxBytes,
    ),
  ];
};
