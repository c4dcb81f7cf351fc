import { z } from 'zod';
import type { Decision } from '../../store/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { defineRoute } from '../route.js';

const HOUR = 3_600_000;
/** Slates read per request at most, newest window first by time order: enough for a share, bounded in cost. */
const MAX_SLATES = 100_000;

const explorationQuery = z
  .object({
    hours: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 90)
      .default(24)
      .meta({ description: 'How many hours back from now (1-2160)' }),
  })
  .strict();

const explorationSchema = z.object({
  from: z.number().int(),
  to: z.number().int(),
  slates: z.number().int().meta({ description: 'Logged slates with their shown items in the window' }),
  impressions: z.number().int().meta({ description: 'Items shown by the policy (pinned ones left out)' }),
  explored: z.number().int().meta({ description: "Shown items outside the slate's greedy choice (the top candidates by score)" }),
  share: z.number().nullable().meta({ description: 'explored / impressions; null without impressions' }),
  meanExploreWeight: z.number().nullable(),
  byPolicy: z.record(z.string(), z.number().int()).meta({ description: 'Slates by the policy that chose them' }),
  truncated: z.boolean().meta({ description: `More than ${MAX_SLATES} slates: counted over the first ones` }),
});

/**
 * The items of one logged slate that exploration put there: shown by the policy but not among the top
 * candidates by score, which is what a greedy policy (exploreWeight 0) would have shown in as many slots.
 */
export function exploredIn(decision: Decision): { shown: number; explored: number } {
  const shown = (decision.shown ?? []).filter((s) => s.slot !== null);
  const greedy = new Set(
    [...decision.candidates]
      .sort((a, b) => b.score - a.score)
      .slice(0, shown.length)
      .map((c) => c.itemId),
  );
  return { shown: shown.length, explored: shown.filter((s) => !greedy.has(s.itemId)).length };
}

/** How much the deployment explores: the share of shown items that exploration chose, from the logged slates. */
export const explorationRoutes: RouteModule = (ctx: AppContext) => [
  defineRoute({
    method: 'GET',
    url: '/v1/admin/exploration',
    scope: 'admin',
    tag: 'ope',
    summary: 'Exploration share of the slates logged over the last hours, and the policies that served them',
    description: "Reads the slate log (serving.impressionLog: 'slate'); slates logged as impression events are not counted.",
    query: explorationQuery,
    responses: { 200: explorationSchema },
    handler: async ({ query }) => {
      const to = Date.now();
      const from = to - query.hours * HOUR;
      let slates = 0;
      let impressions = 0;
      let explored = 0;
      let weights = 0;
      let truncated = false;
      const byPolicy: Record<string, number> = {};
      for await (const decision of ctx.store.scanDecisions({ from, to })) {
        if (!decision.shown) continue;
        if (slates === MAX_SLATES) {
          truncated = true;
          break;
        }
        const counted = exploredIn(decision);
        slates++;
        impressions += counted.shown;
        explored += counted.explored;
        weights += decision.exploreWeight;
        byPolicy[decision.policy] = (byPolicy[decision.policy] ?? 0) + 1;
      }
      return {
        from,
        to,
        slates,
        impressions,
        explored,
        share: impressions > 0 ? explored / impressions : null,
        meanExploreWeight: slates > 0 ? weights / slates : null,
        byPolicy,
        truncated,
      };
    },
  }),
];
