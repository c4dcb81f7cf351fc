import { z } from 'zod';
import { CurioError } from '../../core/index.js';
import {
  armSchema,
  EXPERIMENT_STATES,
  experimentInputSchema,
  experimentResults,
  METRICS,
  preEvaluate,
  SURFACES,
} from '../../experiments/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { defineRoute } from '../route.js';
import { idParamsSchema } from '../schemas.js';

const armPreEvaluationSchema = z.object({
  policy: z.string(),
  exploreWeight: z.number(),
  estimator: z.string().nullable(),
  estimate: z.number().nullable(),
  lower: z.number().nullable(),
  upper: z.number().nullable(),
  effectiveSampleSize: z.number(),
  warnings: z.array(z.string()),
});
const preEvaluationSchema = z.object({
  at: z.number(),
  from: z.number(),
  to: z.number(),
  slates: z.number(),
  impressions: z.number(),
  loggedRewardRate: z.number(),
  arms: z.record(z.string(), armPreEvaluationSchema),
});

const experimentSchema = z.object({
  id: z.string(),
  name: z.string(),
  surface: z.enum(SURFACES),
  state: z.enum(EXPERIMENT_STATES),
  arms: z.array(armSchema),
  audience: z.object({ users: z.enum(['all', 'new', 'returning']), segments: z.array(z.number()).optional() }),
  primaryMetric: z.enum(METRICS),
  guardrails: z.array(z.enum(METRICS)),
  attributionHours: z.number(),
  minimumDetectableEffect: z.number(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  stoppedAt: z.number().nullable(),
  history: z.array(z.object({ at: z.number(), change: z.string() })),
  preEvaluation: preEvaluationSchema.optional(),
});

const interval = z.object({ lower: z.number(), upper: z.number() });
const comparisonSchema = z
  .object({
    control: z.number(),
    treatment: z.number(),
    difference: z.number(),
    interval,
    pValue: z.number(),
    lift: z.object({ value: z.number(), interval }).nullable(),
    sequential: z.object({ pValue: z.number(), interval, significant: z.boolean() }).nullable(),
    cuped: z.object({ varianceReduction: z.number(), theta: z.number() }).nullable(),
  })
  .nullable();
const userMetrics = <T extends z.ZodTypeAny>(value: T) =>
  z.object({ conversion: value, revenue: value, ctr: value, 'add-to-cart': value, aov: value });
const resultsSchema = z.object({
  experiment: z.object({
    id: z.string(),
    state: z.enum(EXPERIMENT_STATES),
    startedAt: z.number().nullable(),
    stoppedAt: z.number().nullable(),
  }),
  window: z.object({ from: z.number(), to: z.number(), preFrom: z.number() }),
  primaryMetric: z.enum(METRICS),
  guardrails: z.array(z.enum(METRICS)),
  control: z.string(),
  arms: z.array(
    z.object({
      id: z.string(),
      weight: z.number(),
      users: z.number(),
      movedUsers: z.number(),
      slates: z.number(),
      impressions: z.number(),
      metrics: userMetrics(z.number().nullable()),
      guardrails: z.object({
        latencyP99Ms: z.number().nullable(),
        requests: z.number().nullable(),
        coverage: z.number().nullable(),
        diversity: z.number().nullable(),
      }),
    }),
  ),
  attribution: z.object({ bySlate: z.number(), byWindow: z.number(), hours: z.number() }),
  sampleRatio: z
    .object({
      chiSquare: z.number(),
      degreesOfFreedom: z.number(),
      pValue: z.number(),
      expected: z.array(z.number()),
      mismatch: z.boolean(),
    })
    .nullable(),
  comparisons: z.array(z.object({ arm: z.string(), metrics: userMetrics(comparisonSchema) })),
  preEvaluation: preEvaluationSchema.nullable(),
  warnings: z.array(z.string()),
});

const preEvaluateBody = z
  .object({
    from: z.string().datetime({ offset: true }).optional().describe('start of the logged window (default: 7 days before `to`)'),
    to: z.string().datetime({ offset: true }).optional().describe('end of the logged window (default: now)'),
  })
  .strict();

const weightsBody = z.object({ arms: z.array(z.object({ id: z.string(), weight: z.number().positive() })).min(1) }).strict();

/** Experiments: create, start, pause, stop, re-weight and read (docs/experiments.md). */
export const experimentRoutes: RouteModule = (ctx: AppContext) => {
  const registry = ctx.experiments;
  const action = (verb: 'start' | 'pause' | 'stop', summary: string) =>
    defineRoute({
      method: 'POST',
      url: `/v1/admin/experiments/:id/${verb}`,
      scope: 'admin',
      tag: 'experiments',
      summary,
      params: idParamsSchema,
      responses: { 200: experimentSchema },
      errors: [404, 409],
      handler: async ({ params }) => registry.transition(params.id, verb),
    });
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/admin/experiments',
      scope: 'admin',
      tag: 'experiments',
      summary: 'Every experiment, oldest first',
      responses: { 200: z.object({ experiments: z.array(experimentSchema) }) },
      handler: async () => ({ experiments: await registry.list() }),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/admin/experiments',
      scope: 'admin',
      tag: 'experiments',
      summary: 'Create an experiment (a draft until started)',
      body: experimentInputSchema,
      responses: { 201: experimentSchema },
      errors: [400, 409],
      handler: async ({ body, reply }) => {
        const experiment = await registry.create(body);
        reply.code(201);
        return experiment;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/admin/experiments/:id',
      scope: 'admin',
      tag: 'experiments',
      summary: 'One experiment',
      params: idParamsSchema,
      responses: { 200: experimentSchema },
      errors: [404],
      handler: async ({ params }) => registry.get(params.id),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/admin/experiments/:id/results',
      scope: 'admin',
      tag: 'experiments',
      summary: 'Per-arm business metrics, guardrails, sample-ratio check and each arm against control',
      description:
        'Computed from the store at request time: outcomes attributed to the slates of the experiment, per user. ' +
        'Read the `sequential` fields when looking repeatedly; the fixed-horizon interval and p-value hold at the planned size only.',
      params: idParamsSchema,
      responses: { 200: resultsSchema },
      errors: [404, 409],
      handler: async ({ params }) => {
        const experiment = await registry.get(params.id);
        if (experiment.startedAt === null) throw new CurioError('CONFLICT', `experiment "${experiment.id}" has not started`);
        return experimentResults(ctx.store, experiment, { latency: (id) => ctx.metrics.armLatency(id) });
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/admin/experiments/:id/pre-evaluate',
      scope: 'admin',
      tag: 'experiments',
      summary: "Estimate each arm off-policy on the deployment's logged slates; kept with the experiment and shown with its results",
      description:
        "Each arm's policy and explore weight (what it does not set is the deployment's) is replayed on the logged slates of the " +
        'window; the estimate is the reward (click or purchase) per impression, by the estimator SLOPE picks, with a 95% interval.',
      params: idParamsSchema,
      body: preEvaluateBody,
      responses: { 200: experimentSchema },
      errors: [400, 404],
      handler: async ({ params, body }) => {
        const experiment = await registry.get(params.id);
        const { policy, policyParams, exploreWeight } = ctx.config.serving;
        const evaluation = await preEvaluate(
          ctx.store,
          experiment,
          { policy, policyParams, exploreWeight },
          {
            from: body.from === undefined ? undefined : Date.parse(body.from),
            to: body.to === undefined ? undefined : Date.parse(body.to),
          },
        );
        return registry.setPreEvaluation(params.id, evaluation);
      },
    }),
    action('start', 'Start (or resume) it; 409 while another experiment runs on the same surface'),
    action('pause', 'Pause it: its users get the deployment configuration until it is started again'),
    action('stop', 'Stop it for good'),
    defineRoute({
      method: 'POST',
      url: '/v1/admin/experiments/:id/weights',
      scope: 'admin',
      tag: 'experiments',
      summary: "Change arms' traffic weights; users move only into or out of the arms that changed",
      params: idParamsSchema,
      body: weightsBody,
      responses: { 200: experimentSchema },
      errors: [400, 404, 409],
      handler: async ({ params, body }) => registry.setWeights(params.id, body),
    }),
  ];
};
