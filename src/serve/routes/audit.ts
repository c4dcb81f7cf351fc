import { z } from 'zod';
import { AUDIT_OUTCOMES } from '../../store/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { defineRoute } from '../route.js';

const auditQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    before: z.coerce
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: "Only entries with a smaller id (the previous answer's `next`)" }),
    target: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .meta({ description: 'Only entries about this target (a key, model or experiment id, or user:<hash>)' }),
  })
  .strict();

const entrySchema = z.object({
  id: z.number().int().meta({ description: 'Arrival order' }),
  at: z.string(),
  actor: z.string().meta({ description: '"key <id>", "config key <name>", "cli (<user>)" or "anonymous (auth disabled)"' }),
  action: z.string().meta({ description: 'The route pattern ("DELETE /v1/users/:id") or the CLI command ("curio keys revoke")' }),
  target: z.string().nullable().meta({ description: 'A key, model or experiment id; a user only as user:<hash of the stored id>' }),
  outcome: z.enum(AUDIT_OUTCOMES),
  status: z.number().int().nullable().meta({ description: 'The HTTP status answered; null for the CLI' }),
});

/** The audit log of admin actions, newest first. */
export const auditRoutes: RouteModule = (ctx: AppContext) => [
  defineRoute({
    method: 'GET',
    url: '/v1/admin/audit',
    scope: 'admin',
    tag: 'access',
    summary: 'The audit log: every admin action (erasure, key change, promotion, experiment change, ...), newest first',
    query: auditQuery,
    responses: {
      200: z.object({
        entries: z.array(entrySchema),
        next: z.number().int().nullable().meta({ description: 'Pass as `before` for the next page; null at the end' }),
      }),
    },
    handler: async ({ query }) => {
      const entries = await ctx.store.listAudit(query);
      return { entries, next: entries.length === query.limit ? entries[entries.length - 1].id : null };
    },
  }),
];
