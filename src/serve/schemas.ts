import { z } from 'zod';
import { EVENT_TYPES } from '../core/index.js';

/** Shapes the API sends back; they document the OpenAPI responses (requests are in src/ingest/schemas.ts). */

export const problemSchema = z.object({ path: z.string(), message: z.string() });

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'One of the closed CurioError codes, e.g. BAD_INPUT' }),
      message: z.string(),
      problems: z.array(problemSchema),
    }),
  })
  .meta({ description: 'Every failure has this shape' });

export const rejectionSchema = z.object({
  index: z.number().int().meta({ description: 'Position of the row in the batch' }),
  errors: z.array(problemSchema),
});

export const eventBatchResultSchema = z.object({
  accepted: z.number().int().meta({ description: 'Events newly stored' }),
  duplicates: z.number().int().meta({ description: 'Events whose id was stored before; not stored again' }),
  rejected: z.array(rejectionSchema),
});

export const itemBatchResultSchema = z.object({ accepted: z.number().int(), rejected: z.array(rejectionSchema) });

export const itemSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  categoryPath: z.array(z.string()),
  tags: z.array(z.string()),
  brand: z.string().nullable(),
  price: z.number().nullable(),
  attributes: z.record(z.string(), z.unknown()),
  available: z.boolean(),
  createdAt: z.number().int().meta({ description: 'Epoch milliseconds' }),
});

export const userSchema = z.object({
  id: z.string().meta({ description: "The shop's id, as sent in the path" }),
  attributes: z.record(z.string(), z.unknown()),
  consent: z.object({ tracking: z.boolean(), personalization: z.boolean() }),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});

export const storedEventSchema = z.object({
  id: z.string(),
  userId: z.string(),
  itemId: z.string().nullable(),
  type: z.enum(EVENT_TYPES),
  value: z.number().nullable(),
  timestamp: z.number().int(),
  sessionId: z.string().nullable(),
  context: z.record(z.string(), z.unknown()),
});

export const idParamsSchema = z.object({ id: z.string().min(1).max(256) });

/** `?after=<id>&limit=<n>`: a page of a list in id order; `next` in the answer is the next page's `after`. */
export const pageQuerySchema = z
  .object({
    after: z.string().min(1).max(256).optional().meta({ description: "The last id of the previous page (the previous answer's `next`)" }),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

/** The cursor of the page after `rows`: the last id when the page was full, else null (no more). */
export const nextCursor = (rows: ReadonlyArray<{ id: string }>, limit: number): string | null =>
  rows.length === limit ? rows[rows.length - 1].id : null;
