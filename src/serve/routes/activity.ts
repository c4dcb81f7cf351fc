import { z } from 'zod';
import { EVENT_TYPES, type EventType } from '../../core/index.js';
import { largeEnough } from '../../privacy/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { defineRoute } from '../route.js';

const MINUTE = 60_000;
/** Events counted per request at most: a busy shop's hour is summarised from its first events rather than stalling the server. */
const MAX_SCANNED = 200_000;

const activityQuery = z
  .object({
    minutes: z.coerce.number().int().min(1).max(180).default(60).meta({ description: 'How many whole minutes back from now (1-180)' }),
  })
  .strict();

const activitySchema = z.object({
  from: z.number().int().meta({ description: 'Start of the first minute, epoch ms' }),
  to: z.number().int().meta({ description: 'End of the last minute (exclusive), epoch ms' }),
  perMinute: z.array(z.object({ minute: z.number().int(), counts: z.record(z.enum(EVENT_TYPES), z.number().int()) })).meta({
    description:
      'One row per minute, oldest first; counts by event type (types with none, or made by fewer than `privacy.minGroupSize` users, are left out)',
  }),
  suppressed: z.number().int().meta({
    description: 'Minute-and-type cells left out because fewer than `privacy.minGroupSize` distinct users made their events (k-anonymity)',
  }),
  truncated: z.boolean().meta({ description: `More than ${MAX_SCANNED} events in the window: later minutes are undercounted` }),
  totals: z
    .object({ items: z.number().int(), users: z.number().int(), events: z.number().int() })
    .meta({ description: 'Rows in the store' }),
});

/** Events per minute by type over the last minutes (by event time), and the store's row counts: the console's overview. */
export const activityRoutes: RouteModule = (ctx: AppContext) => [
  defineRoute({
    method: 'GET',
    url: '/v1/stats/activity',
    scope: 'read',
    tag: 'ops',
    summary: 'Events per minute by type over the last minutes, and how many items, users and events the store holds',
    query: activityQuery,
    responses: { 200: activitySchema },
    handler: async ({ query }) => {
      // Whole minutes, the current one included, so a live chart's last bar fills up as events arrive.
      const to = (Math.floor(Date.now() / MINUTE) + 1) * MINUTE;
      const from = to - query.minutes * MINUTE;
      const perMinute = Array.from({ length: query.minutes }, (_, k) => ({
        minute: from + k * MINUTE,
        counts: {} as Partial<Record<EventType, number>>,
      }));
      // A cell's count describes the shoppers behind it: one made by fewer than k of them is not shown.
      const users = perMinute.map(() => new Map<EventType, Set<string>>());
      let scanned = 0;
      let truncated = false;
      for await (const event of ctx.store.scanEvents({ from, to })) {
        if (++scanned > MAX_SCANNED) {
          truncated = true;
          break;
        }
        const k = Math.floor((event.timestamp - from) / MINUTE);
        const row = perMinute[k];
        if (!row) continue;
        row.counts[event.type] = (row.counts[event.type] ?? 0) + 1;
        let cell = users[k].get(event.type);
        if (!cell) users[k].set(event.type, (cell = new Set()));
        cell.add(event.userId);
      }
      let suppressed = 0;
      perMinute.forEach((row, k) => {
        for (const [type, who] of users[k]) {
          if (largeEnough(who.size, ctx.config.privacy.minGroupSize)) continue;
          delete row.counts[type];
          suppressed++;
        }
      });
      return { from, to, perMinute, suppressed, truncated, totals: await ctx.store.counts() };
    },
  }),
];
