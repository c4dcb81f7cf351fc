import { z } from 'zod';
import { EVENT_TYPES } from '../../core/index.js';
import { lastRetentionPass, retentionInForce } from '../../store/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { defineRoute } from '../route.js';

const EVENT_DAYS = 'Days each event type is kept (`privacy.retentionDays`; impressions also `retention.impressionEventsDays`); 0 = kept';

const retentionSchema = z.object({
  eventDays: z.record(z.enum(EVENT_TYPES), z.number()).meta({ description: EVENT_DAYS }),
  decisionDays: z.number().meta({ description: 'Days decisions and served slates are kept; 0 = kept' }),
  pruneIntervalMinutes: z.number(),
  lastPass: z
    .object({
      startedAt: z.number().int(),
      finishedAt: z.number().int(),
      slates: z.number().int(),
      impressionEvents: z.number().int(),
      events: z.record(z.string(), z.number().int()).meta({ description: 'Events removed by `privacy.retentionDays`, by type' }),
      space: z.object({ method: z.string(), freedPages: z.number().int(), freePages: z.number().int().nullable() }).nullable(),
    })
    .nullable()
    .meta({ description: 'The last pass any server saved in the store; null before the first' }),
});

/** Retention: what is kept how long, and the last pass (docs/privacy.md, "Retention"). */
export const retentionRoutes: RouteModule = (ctx: AppContext) => [
  defineRoute({
    method: 'GET',
    url: '/v1/admin/retention',
    scope: 'admin',
    tag: 'ops',
    summary: 'Retention in force and the last retention pass (when, rows removed, space reclaimed)',
    responses: { 200: retentionSchema },
    handler: async () => ({
      ...retentionInForce({ ...ctx.config.retention, eventDays: ctx.config.privacy.retentionDays }),
      lastPass: await lastRetentionPass(ctx.store),
    }),
  }),
];
