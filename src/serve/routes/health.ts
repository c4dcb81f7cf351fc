import { z } from 'zod';
import { CurioError } from '../../core/index.js';
import { CONSOLE_PATH } from '../console.js';
import type { AppContext, RouteModule } from '../context.js';
import { DOCS_PATH, OPENAPI_PATH, packageVersion } from '../openapi.js';
import { defineRoute } from '../route.js';

const status = (value: string) => z.object({ status: z.literal(value) });

const indexSchema = z.object({
  name: z.literal('curio'),
  version: z.string(),
  links: z.record(z.string(), z.string()).meta({ description: 'Where to go next, by name' }),
});

/** The API's front door, liveness, readiness (the store answers) and Prometheus metrics. */
export const healthRoutes: RouteModule = (ctx: AppContext) => [
  defineRoute({
    method: 'GET',
    url: '/',
    scope: 'open',
    tag: 'ops',
    summary: 'What this server is and where its documentation is',
    responses: { 200: indexSchema },
    handler: async () => ({
      name: 'curio' as const,
      version: packageVersion(),
      links: {
        console: `${CONSOLE_PATH}/`,
        docs: DOCS_PATH,
        openapi: OPENAPI_PATH,
        health: '/healthz',
        ready: '/readyz',
        metrics: '/metrics',
      },
    }),
  }),
  defineRoute({
    method: 'GET',
    url: '/healthz',
    scope: 'open',
    tag: 'ops',
    summary: 'Liveness: the process serves HTTP',
    responses: { 200: status('ok') },
    handler: async () => ({ status: 'ok' as const }),
  }),
  defineRoute({
    method: 'GET',
    url: '/readyz',
    scope: 'open',
    tag: 'ops',
    summary: 'Readiness: the store answers',
    responses: { 200: status('ready') },
    errors: [503],
    handler: async () => {
      try {
        await ctx.store.ping();
      } catch (cause) {
        throw new CurioError('UNAVAILABLE', `the store is not ready: ${(cause as Error).message}`, { cause });
      }
      return { status: 'ready' as const };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/metrics',
    scope: 'read',
    tag: 'ops',
    summary: 'Prometheus metrics (text exposition format)',
    responses: { 200: z.string().meta({ description: 'Prometheus text format' }) },
    handler: async ({ reply }) => {
      const text = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(text);
    },
  }),
];
