import { z } from 'zod';
import { armSchema, EXPERIMENT_STATES, experimentInputSchema, METRICS, SURFACES } from '../../experiments/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { defineRoute } from '../route.js';
import { idParamsSchema } from '../schemas.js';

const experimentSchema = z.object({
  id: z.string(),
  name: z.string(),
  surface: z.enum(SURFACES),
  state: z.enum(EXPERIMENT_STATES),
  arms: z.array(armSchema),
  audience: z.object({ users: z.enum(['all', 'new', 'returning']) }),
  primaryMetric: z.enum(METRICS),
  guardrails: z.array(z.enum(METRICS)),
  attributionHours: z.number(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  stoppedAt: z.number().nullable(),
  history: z.array(z.object({ at: z.number(), change: z.string() })),
});

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
