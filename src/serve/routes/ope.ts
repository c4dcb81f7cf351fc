import { z } from 'zod';
import { OpeConfig, offPolicyReport } from '../../eval/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { defineRoute } from '../route.js';

const isoTime = z.iso.datetime({ offset: true });

const opeBody = OpeConfig.extend({
  from: isoTime.optional().describe('only slates logged at or after this time'),
  to: isoTime.optional().describe('only slates logged before this time'),
})
  .strict()
  .refine((b) => b.from === undefined || b.to === undefined || Date.parse(b.from) < Date.parse(b.to), {
    path: ['to'],
    message: 'must be after from',
  });

const intervalSchema = z.object({ estimate: z.number(), lower: z.number(), upper: z.number(), stdError: z.number() });

const reportSchema = z.object({
  policy: z.string(),
  exploreWeight: z.number(),
  slates: z.number().int(),
  impressions: z.number().int(),
  loggedRewardRate: z.number(),
  chosen: intervalSchema.extend({ estimator: z.string() }).nullable().meta({ description: "SLOPE's pick among SNIPS, DR and switch-DR" }),
  estimates: z.record(z.string(), intervalSchema),
  selection: z.object({ rule: z.literal('slope'), order: z.array(z.string()), candidates: z.record(z.string(), intervalSchema) }),
  interval: z.object({
    level: z.literal(0.95),
    method: z.enum(['normal', 'bootstrap']),
    unit: z.enum(['user', 'slate']),
    clusters: z.number().int(),
  }),
  diagnostics: z.object({
    meanWeight: z.number(),
    maxWeight: z.number(),
    effectiveSampleSize: z.number(),
    effectiveSampleShare: z.number(),
    largestWeightShare: z.number(),
    support: z.number(),
  }),
  warnings: z.array(z.string()),
  logs: z.object({
    skippedImpressions: z.number().int(),
    pinnedImpressions: z.number().int(),
    unmatchedRewards: z.number().int(),
    slatesWithCandidates: z.number().int(),
  }),
});

/** Off-policy evaluation of a candidate policy on the slates this deployment logged (docs/experiments.md). */
export const opeRoutes: RouteModule = (ctx: AppContext) => [
  defineRoute({
    method: 'POST',
    url: '/v1/admin/ope',
    scope: 'admin',
    tag: 'ope',
    summary: "Estimate a candidate policy's reward per impression on logged slates, with 95% intervals and diagnostics",
    description:
      'The body is the `curio ope` policy file plus an optional time range. Runs in this process and reads every logged slate in the range.',
    body: opeBody,
    responses: { 200: reportSchema },
    errors: [400],
    handler: async ({ body }) => {
      const { from, to, ...config } = body;
      return offPolicyReport(ctx.store, config, {
        from: from === undefined ? undefined : Date.parse(from),
        to: to === undefined ? undefined : Date.parse(to),
      });
    },
  }),
];
