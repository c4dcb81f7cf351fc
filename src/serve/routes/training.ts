import { z } from 'zod';
import { CurioError } from '../../core/index.js';
import { JOB_KINDS, JOB_STATES, MODEL_STATES, MODEL_TRACKS, modelTrack, type ModelVersion } from '../../store/index.js';
import { cancelJob, enqueueJob, promoteVersion, rollbackVersion } from '../../train/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { defineRoute } from '../route.js';
import { idParamsSchema } from '../schemas.js';

const versionSchema = z.object({
  id: z.string(),
  model: z.string(),
  /** What it serves: recommendations, or the pictures' embeddings (an image encoder); one serving version per track. */
  track: z.enum(MODEL_TRACKS),
  params: z.record(z.string(), z.unknown()),
  window: z.object({ events: z.number(), users: z.number(), items: z.number(), lastEventAt: z.string().nullable() }),
  trainedAt: z.string(),
  trainSeconds: z.number(),
  parentId: z.string().nullable(),
  jobId: z.string().nullable(),
  metrics: z.record(z.string(), z.number().nullable()),
  checksum: z.string(),
  sizeBytes: z.number(),
  state: z.enum(MODEL_STATES),
  reason: z.string().nullable(),
  promotedAt: z.string().nullable(),
});

const jobSchema = z.object({
  id: z.string(),
  kind: z.enum(JOB_KINDS),
  trigger: z.string(),
  params: z.record(z.string(), z.unknown()),
  state: z.enum(JOB_STATES),
  progress: z.object({ fraction: z.number(), step: z.string() }),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  worker: z.string().nullable(),
  heartbeatAt: z.string().nullable(),
  attempts: z.number(),
  cancelRequested: z.boolean(),
  log: z.array(z.string()),
  result: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().nullable(),
});

const modelsQuery = z
  .object({
    state: z.enum(MODEL_STATES).optional(),
    track: z.enum(MODEL_TRACKS).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();
const trackQuery = z.object({ track: z.enum(MODEL_TRACKS).default('recommendations') }).strict();

/** A version as the API shows it: with the track its model family serves. */
const shown = (v: ModelVersion) => ({ ...v, track: modelTrack(v.model) });
const jobsQuery = z
  .object({
    state: z.enum(JOB_STATES).optional(),
    kind: z.enum(JOB_KINDS).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(50),
  })
  .strict();
const newJobBody = z.object({ kind: z.enum(JOB_KINDS).default('retrain') }).strict();

/** The learning loop's admin API: model versions (list, promote, roll back) and training jobs (list, start, cancel). */
export const trainingRoutes: RouteModule = (ctx: AppContext) => {
  const { store } = ctx;
  const watcher = ctx.training.watcher ?? undefined;
  const version = async (id: string) => {
    const v = await store.getModelVersion(id);
    if (!v) throw new CurioError('NOT_FOUND', `no model version ${id}`);
    return shown(v);
  };
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/admin/models',
      scope: 'admin',
      tag: 'training',
      summary: 'Model versions, newest first, the serving one of each track, and which one this process serves',
      query: modelsQuery,
      responses: {
        200: z.object({
          serving: z.string().nullable(),
          servingEncoder: z.string().nullable(),
          servedHere: z.string().nullable(),
          versions: z.array(versionSchema),
        }),
      },
      handler: async ({ query }) => ({
        serving: (await store.servingModelVersion())?.id ?? null,
        servingEncoder: (await store.servingModelVersion('pictures'))?.id ?? null,
        servedHere: ctx.recommendations.status().modelVersion,
        versions: (await store.listModelVersions(query)).map(shown),
      }),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/admin/models/:id',
      scope: 'admin',
      tag: 'training',
      summary: 'One model version: its data window, holdout metrics, gate decision, checksum and state',
      params: idParamsSchema,
      responses: { 200: versionSchema },
      errors: [404],
      handler: async ({ params }) => version(params.id),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/admin/models/:id/promote',
      scope: 'admin',
      tag: 'training',
      summary: 'Serve this version (it is loaded and verified first; a rejected one cannot be promoted)',
      description: 'This process swaps it in before answering; other serving processes follow within `training.pollMs`.',
      params: idParamsSchema,
      responses: { 200: versionSchema },
      errors: [400, 404, 409],
      handler: async ({ params }) => shown(await promoteVersion(store, params.id, watcher)),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/admin/models/rollback',
      scope: 'admin',
      tag: 'training',
      summary: 'Serve again the version of a track (default recommendations) that served before the current one',
      query: trackQuery,
      responses: { 200: z.object({ from: z.string().nullable(), to: versionSchema }) },
      errors: [400, 404],
      handler: async ({ query }) => {
        const { from, to } = await rollbackVersion(store, watcher, query.track);
        return { from, to: shown(to) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/admin/jobs',
      scope: 'admin',
      tag: 'training',
      summary: 'Training jobs, newest first, with progress and log',
      query: jobsQuery,
      responses: { 200: z.object({ jobs: z.array(jobSchema) }) },
      handler: async ({ query }) => ({ jobs: await store.listJobs(query) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/admin/jobs/:id',
      scope: 'admin',
      tag: 'training',
      summary: 'One training job',
      params: idParamsSchema,
      responses: { 200: jobSchema },
      errors: [404],
      handler: async ({ params }) => {
        const job = await store.getJob(params.id);
        if (!job) throw new CurioError('NOT_FOUND', `no job ${params.id}`);
        return job;
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/admin/jobs',
      scope: 'admin',
      tag: 'training',
      summary: 'Queue a training job now (`retrain`: every candidate from scratch; `incremental`: warm start from the serving version)',
      body: newJobBody,
      responses: { 201: jobSchema },
      errors: [400, 409],
      handler: async ({ body, reply }) => {
        const job = ctx.training.supervisor
          ? await ctx.training.supervisor.enqueue(body.kind, 'api')
          : await enqueueJob(store, body.kind, 'api', {});
        reply.code(201);
        return job;
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/admin/jobs/:id/cancel',
      scope: 'admin',
      tag: 'training',
      summary: 'Cancel a queued or running job (a running one stops within a second)',
      params: idParamsSchema,
      responses: { 200: jobSchema },
      errors: [404, 409],
      handler: async ({ params }) => cancelJob(store, params.id),
    }),
  ];
};
