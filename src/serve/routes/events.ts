import { z } from 'zod';
import { eventInputSchema } from '../../ingest/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { defineRoute } from '../route.js';
import { eventBatchResultSchema } from '../schemas.js';

/** POST /v1/events: batch ingest; valid rows are stored even when others are rejected. */
export const eventRoutes: RouteModule = (ctx: AppContext) => {
  const max = ctx.config.server.maxBatchEvents;
  // The envelope is checked here; rows are validated one by one by the Ingestor so one bad row rejects only itself.
  const envelope = z.object({ events: z.array(z.unknown()).max(max, `a batch holds at most ${max} events`) }).strict();
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/events',
      scope: 'ingest',
      tag: 'events',
      summary: 'Ingest a batch of events',
      description:
        `Up to ${max} events per request. Each row is validated on its own: valid rows are stored, invalid or ` +
        'consent-refused rows are listed in `rejected` with their index, and an event id seen before counts as a ' +
        'duplicate (never stored twice), so retrying a batch is safe. 400 only when the envelope itself is wrong.',
      body: envelope,
      documentedBody: z.object({ events: z.array(eventInputSchema).max(max) }),
      responses: { 200: eventBatchResultSchema },
      handler: async ({ body }) => {
        const result = await ctx.ingestor.ingestEvents(body.events);
        ctx.metrics.countEvents({ accepted: result.accepted, duplicates: result.duplicates, rejected: result.rejected.length });
        return result;
      },
    }),
  ];
};
