import { z } from 'zod';
import { EVENT_TYPES, ITEMLESS_EVENT_TYPES, type Event } from '../core/index.js';

/** A day of clock skew is tolerated; later timestamps are almost always unit mistakes (seconds vs ms). */
const MAX_FUTURE_MS = 24 * 3600 * 1000;

/** A lone UTF-16 surrogate (no URL can name it) or a control character (NUL included). */
const UNADDRESSABLE = /[\u0000-\u001f\u007f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * An id of the shop's (user, item, event, session): well-formed Unicode without control characters, so
 * that anything stored can be named in a URL — a user who cannot be addressed could never be erased.
 */
export const idSchema = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(256, `${what} is longer than 256 characters`)
    .refine((s) => !UNADDRESSABLE.test(s), `${what} must be well-formed Unicode without control characters`);
const id = idSchema;

/** Nesting and size bounds of free-form attributes: deeper or larger values are refused at the edge. */
export const MAX_ATTRIBUTE_DEPTH = 10;
export const MAX_ATTRIBUTE_VALUES = 10_000;

/**
 * Depth and number of values of a JSON value, walked with an explicit stack: a recursive walk (or
 * `JSON.stringify` inside the write) overflows the call stack on a body nested thousands deep.
 */
function attributeShape(value: unknown): { depth: number; values: number } {
  let depth = 0;
  let values = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    values++;
    if (d > depth) depth = d;
    if (depth > MAX_ATTRIBUTE_DEPTH || values > MAX_ATTRIBUTE_VALUES) break;
    if (v !== null && typeof v === 'object') for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return { depth, values };
}

/** Free-form attributes: a JSON object of bounded depth and size. */
const attributesSchema = z.record(z.string(), z.unknown()).superRefine((attributes, ctx) => {
  const { depth, values } = attributeShape(attributes);
  if (depth > MAX_ATTRIBUTE_DEPTH)
    ctx.addIssue({ code: 'custom', message: `attributes are nested deeper than ${MAX_ATTRIBUTE_DEPTH} levels` });
  else if (values > MAX_ATTRIBUTE_VALUES)
    ctx.addIssue({ code: 'custom', message: `attributes hold more than ${MAX_ATTRIBUTE_VALUES} values` });
});

/** Epoch milliseconds or an ISO-8601 string; always stored as epoch milliseconds. */
export const timestampSchema = z
  .union([z.number().int('timestamp must be whole milliseconds').nonnegative(), z.iso.datetime({ offset: true })])
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)))
  .refine((ms) => ms <= Date.now() + MAX_FUTURE_MS, 'timestamp is more than a day in the future (seconds instead of milliseconds?)');

export const eventContextSchema = z
  .object({
    recommendationId: id('recommendationId').optional(),
    position: z.number().int().nonnegative().optional(),
    policy: z.string().max(128).optional(),
    propensity: z.number().gt(0, 'propensity must be in (0, 1]').lte(1, 'propensity must be in (0, 1]').optional(),
    slot: z.number().int().nonnegative().optional(),
    pinned: z.boolean().optional(),
    experiment: z.string().max(64).optional(),
    arm: z.string().max(64).optional(),
    page: z.string().max(512).optional(),
    query: z.string().max(1024).optional(),
    device: z.string().max(128).optional(),
  })
  .strict();

export const eventInputSchema = z
  .object({
    id: id('id'),
    userId: id('userId'),
    itemId: id('itemId').nullable().optional(),
    type: z.enum(EVENT_TYPES),
    value: z.number().finite().nullable().optional(),
    timestamp: timestampSchema,
    sessionId: id('sessionId').nullable().optional(),
    context: eventContextSchema.optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (!ITEMLESS_EVENT_TYPES.has(e.type) && !e.itemId) {
      ctx.addIssue({ code: 'custom', path: ['itemId'], message: `a ${e.type} event needs an itemId` });
    }
    if (e.type === 'rating' && (e.value === undefined || e.value === null)) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'a rating event needs a value' });
    }
  });
export type EventInput = z.input<typeof eventInputSchema>;

/** A validated event input as the stored event: absent optional fields become null (context: empty). */
export function eventFromInput(e: z.output<typeof eventInputSchema>): Event {
  return {
    id: e.id,
    userId: e.userId,
    itemId: e.itemId ?? null,
    type: e.type,
    value: e.value ?? null,
    timestamp: e.timestamp,
    sessionId: e.sessionId ?? null,
    context: e.context ?? {},
  };
}

const itemFields = {
  title: z.string().max(1000).default(''),
  description: z.string().max(20_000).default(''),
  categoryPath: z.array(z.string().min(1).max(200)).max(20).default([]),
  tags: z.array(z.string().min(1).max(200)).max(200).default([]),
  brand: z.string().max(200).nullable().default(null),
  price: z.number().finite().nonnegative('price must not be negative').nullable().default(null),
  attributes: attributesSchema.default({}),
  available: z.boolean().default(true),
};

export const itemInputSchema = z.object({ id: id('id'), ...itemFields, createdAt: timestampSchema.optional() }).strict();
export type ItemInput = z.input<typeof itemInputSchema>;

/** PATCH body: any subset of item fields, none defaulted. */
export const itemPatchSchema = z
  .object({
    title: itemFields.title.unwrap(),
    description: itemFields.description.unwrap(),
    categoryPath: itemFields.categoryPath.unwrap(),
    tags: itemFields.tags.unwrap(),
    brand: itemFields.brand.unwrap(),
    price: itemFields.price.unwrap(),
    attributes: itemFields.attributes.unwrap(),
    available: itemFields.available.unwrap(),
    createdAt: timestampSchema,
  })
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'the patch changes nothing');

export const userInputSchema = z
  .object({
    attributes: attributesSchema.optional(),
    consent: z.object({ tracking: z.boolean().optional(), personalization: z.boolean().optional() }).strict().optional(),
  })
  .strict();
export type UserInput = z.input<typeof userInputSchema>;
