import { z } from 'zod';
import { CurioError } from '../../core/index.js';
import { ERASURE_TARGETS } from '../../privacy/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { defineRoute } from '../route.js';
import { idParamsSchema } from '../schemas.js';

const targetSchema = z.object({
  state: z.enum(['done', 'pending', 'failed', 'limited']).meta({
    description:
      'done: nothing of the user is left there; pending: by `deadline`; failed: retried; limited: what Curio cannot remove itself (see detail)',
  }),
  removed: z.number().int().optional().meta({ description: 'Rows, entries, keys, messages or versions removed, as `detail` says' }),
  at: z.string().nullable().meta({ description: 'When it was done (ISO)' }),
  deadline: z.string().optional().meta({ description: 'By when a pending target will be done (ISO)' }),
  detail: z.string(),
  versions: z
    .object({
      rowsRemoved: z.array(z.string()),
      awaitingRetrain: z.array(z.string()),
      deleted: z.array(z.string()),
      retrainJob: z.string().nullable(),
    })
    .optional()
    .meta({ description: 'models only: the versions touched' }),
});

export const erasureReceiptSchema = z.object({
  id: z.string(),
  subject: z.string().meta({ description: 'Hex SHA-256 of the stored (pseudonymised) user id; the receipt keeps no id' }),
  requestedAt: z.string(),
  state: z.enum(['pending', 'done']),
  completedAt: z.string().nullable(),
  overdue: z.boolean().meta({ description: 'A pending target is past its deadline' }),
  targets: z.object(Object.fromEntries(ERASURE_TARGETS.map((t) => [t, targetSchema.optional()]))),
});

/** Erasure receipts: what an erasure removed, where and when, and what is still pending. */
export const erasureRoutes: RouteModule = (ctx: AppContext) => [
  defineRoute({
    method: 'GET',
    url: '/v1/admin/erasures/:id',
    scope: 'admin',
    tag: 'users',
    summary: 'The receipt of an erasure: per target what was removed and when, and what is pending until when',
    description:
      'Targets: events, impressions, decisions, the user record and consent, the freed storage, serving caches, slate ' +
      'contexts, segments, intent, experiments, Redis, the event bus, the serving model and the stored model versions. ' +
      'Versions trained on the user are retrained or deleted within `privacy.modelErasureHours` (docs/privacy.md, "Erasure").',
    params: idParamsSchema,
    responses: { 200: erasureReceiptSchema },
    errors: [404],
    handler: async ({ params }) => {
      const receipt = await ctx.erasures.receipts.get(params.id);
      if (!receipt) throw new CurioError('NOT_FOUND', `no erasure ${params.id}`);
      return receipt;
    },
  }),
];
