import Fastify, { type FastifyInstance } from 'fastify';
import { CurioError, type Config } from '../core/index.js';
import { Ingestor } from '../ingest/index.js';
import { LocalChangeFeed, RetentionPruner, type ChangeFeed, type Store } from '../store/index.js';
import { installAuth } from './auth.js';
import { installConsole } from './console.js';
import { installAudit } from './audit.js';
import { ApiKeyResolver } from './key-resolver.js';
import type { AppContext, RouteModule } from './context.js';
import { installErrorHandlers } from './errors.js';
import { requestLogSerializer } from './log-redaction.js';
import { installExpectationHandler, installJsonParser, onClientError, onFrameworkError } from './http-edge.js';
import { installCors, installRateLimit, installWriteLimit } from './limits.js';
import { installPublishable } from './publishable.js';
import { InsightRuntime, PictureCatalogue, type EncoderInUse, type InsightSettingsInput } from '../recommend/index.js';
import { installPictureParser } from './picture-body.js';
import { loadEncoderFile } from '../pictures/index.js';
import { createMetrics, installRequestMetrics } from './metrics.js';
import { packageVersion, registerOpenApi } from './openapi.js';
import { RecommendationRuntime, type ServingModel, type SharedPolicyState } from '../recommend/index.js';
import type { Redis } from 'ioredis';
import { ROUTE_MODULES } from './routes/index.js';
import { ExperimentRegistry } from '../experiments/index.js';
import { EncoderWatcher, ErasureService, loadVersion, ServingWatcher, TrainingSupervisor } from '../train/index.js';

export interface CreateAppOptions {
  config: Config;
  /** Opened by the caller, who also closes it (startServer closes it when the app closes). */
  store: Store;
  /** Extra route modules after the built-in ones (the recommendation endpoints plug in here). */
  routes?: RouteModule[];
  /** Node process metrics in /metrics; default true. */
  processMetrics?: boolean;
  /** Serve this model instead of fitting `serving.model` from the store (tests, benches). */
  servingModel?: ServingModel;
  /** TTLs and sizes of the interest-mining models (segments, tagger, intent); defaults in insight/settings.ts. */
  insight?: InsightSettingsInput;
  /** Where writes are published for every process's live state; default an in-process feed (one server). The caller closes it. */
  feed?: ChangeFeed;
  /** A cluster's shared policy state (Redis); default none: the policy learns from what this process observes. */
  sharedPolicy?: SharedPolicyState;
  /** A cluster's Redis: per-key rate limits are counted there, for every node together. */
  redis?: Redis;
  /** Where the request log goes instead of stdout (tests). */
  logStream?: { write(line: string): void };
  /** The image encoder that embeds item pictures and shoppers' photos (docs/pictures.md); default none. */
  imageEncoder?: EncoderInUse;
}

/** Node's default headers deadline, or the request deadline when that is sooner (0: no deadline). */
const headersTimeoutMs = (requestTimeoutMs: number): number => (requestTimeoutMs > 0 ? Math.min(60_000, requestTimeoutMs) : 60_000);

/**
 * Builds the HTTP API without listening: tests drive it with `app.inject`, `startServer` listens.
 * Throws when no API key is configured and auth is not explicitly disabled.
 */
export function createApp(options: CreateAppOptions): FastifyInstance {
  const { config, store } = options;
  const app = Fastify({
    // User ids in URLs are logged as a per-process tag (log-redaction.ts): the log must not undo pseudonymisation.
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            serializers: { req: requestLogSerializer() },
            ...(options.logStream ? { stream: options.logStream } : {}),
          },
    bodyLimit: config.server.bodyLimitBytes,
    // Path ids are the shop's own strings: the router lets long ones through (percent-encoding can triple
    // them) so zod rejects ids over 256 characters with a proper problem path rather than a bare 414.
    routerOptions: { maxParamLength: 1024 },
    frameworkErrors: onFrameworkError,
    clientErrorHandler: onClientError,
    requestTimeout: config.server.requestTimeoutMs,
    // Node looks for overdue requests on this interval (30 s by default, which would stretch every timeout);
    // and it times out a request whose body is late only while the headers' own deadline is no later.
    http: { connectionsCheckingInterval: 1000, headersTimeout: headersTimeoutMs(config.server.requestTimeoutMs) },
  });
  // Fastify's JSON Schemas only document the API; zod validates in each route (see route.ts).
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // The API speaks JSON only; a text body would otherwise reach zod as a string with a vaguer complaint.
  app.removeContentTypeParser('text/plain');
  installJsonParser(app);
  installPictureParser(app);
  installExpectationHandler(app);
  installErrorHandlers(app);
  installCors(app, config);
  const apiKeys = new ApiKeyResolver(store, config);
  installAuth(app, config, apiKeys);
  installPublishable(app);
  installRateLimit(app, config, options.redis);
  installWriteLimit(app, config);
  // Every write goes through the Ingestor, which publishes it on the feed once stored; the recommendation
  // runtime subscribes, so trending, stock, consent and the policy react at once without polling.
  const feed = options.feed ?? new LocalChangeFeed();
  const ingestor = new Ingestor({ store, idSecret: config.privacy.idSecret, feed });
  // Admin actions (erasure, keys, promotion, experiments, ...) are recorded in one place (docs/privacy.md, "Keys and audit").
  installAudit(app, { store, userKey: ingestor.userKey, authDisabled: config.auth.disabled, warn: (m, e) => app.log.warn({ err: e }, m) });
  const recommendations = new RecommendationRuntime({
    config,
    store,
    feed,
    model: options.servingModel,
    logEvents: (events, write) => ingestor.appendEvents(events, write),
    warn: (message, error) => app.log.warn({ err: error }, message),
    sharedPolicy: options.sharedPolicy,
    loadArmModel: async (versionId) => {
      const version = await store.getModelVersion(versionId);
      if (!version) throw new CurioError('NOT_FOUND', `no model version "${versionId}"`);
      return { ...(await loadVersion(store, version)), source: 'loaded', versionId };
    },
  });
  const warn = (message: string, error?: unknown) => app.log.warn({ err: error }, message);
  // The encoder of item pictures: given (tests, benches), read from pictures.encoderPath at start, or else the
  // registry's serving `pictures` version, followed as it changes.
  let imageEncoder = options.imageEncoder ?? (config.pictures.encoderPath !== null ? loadEncoderFile(config.pictures.encoderPath) : null);
  let picturesStarted = false;
  const encoderWatcher =
    imageEncoder === null
      ? new EncoderWatcher({
          store,
          pollMs: config.training.pollMs,
          use: async (next) => {
            imageEncoder = next;
            if (picturesStarted) await pictures.reload();
          },
          warn,
        })
      : null;
  // The model comes from the registry unless one was given; until a version serves, serving.model is fitted here.
  const fromRegistry = !options.servingModel && config.serving.modelPath === null;
  const training: AppContext['training'] = {
    watcher: fromRegistry
      ? new ServingWatcher({ store, pollMs: config.training.pollMs, use: (served) => recommendations.useModel(served), warn })
      : null,
    supervisor:
      fromRegistry && config.training.worker
        ? new TrainingSupervisor({ store, config, besideServing: true, log: (line) => app.log.info(`trainer: ${line}`) })
        : null,
  };
  // Erasure everywhere, with a receipt (docs/privacy.md, "Erasure"): the store, the cluster's bus and Redis, the
  // trained models; what every process keeps in memory is forgotten from the feed (below, and in the runtime).
  const erasures = new ErasureService({
    store,
    ingestor,
    config,
    feed,
    shared: options.sharedPolicy,
    refitServing: () => recommendations.refitFromNow(),
    warn,
  });
  const pictures = new PictureCatalogue({
    store,
    settings: config.pictures,
    encoder: () => imageEncoder,
    publish: (change) => feed.publish(change),
    warn,
  });
  const ctx: AppContext = {
    config,
    store,
    ingestor,
    metrics: createMetrics({ store, processMetrics: options.processMetrics ?? true }),
    recommendations,
    pictures,
    insight: new InsightRuntime({
      config,
      store,
      settings: { ...config.insight, ...options.insight },
      warn: (message, error) => app.log.warn({ err: error }, message),
      pictureEmbeddings: () => pictures.embeddings(),
    }),
    training,
    experiments: new ExperimentRegistry(store),
    erasures,
    apiKeys,
  };
  // Expired slates and events are deleted in the background, in small chunks (docs/configuration.md and docs/privacy.md, "Retention").
  const pruner = new RetentionPruner(
    store,
    { ...config.retention, eventDays: config.privacy.retentionDays },
    { warn: (message, error) => app.log.warn({ err: error }, message) },
  );
  // The serving version is loaded before the first build, so a restarted server never refits what the registry holds.
  app.addHook('onReady', async () => training.watcher?.start());
  app.addHook('onReady', () => recommendations.start());
  app.addHook('onReady', async () => {
    await encoderWatcher?.start();
    await ctx.pictures.start();
    picturesStarted = true;
    recommendations.usePictures(ctx.pictures);
  });
  app.addHook('onReady', async () => training.supervisor?.start());
  app.addHook('onReady', () => pruner.start());
  app.addHook('onReady', () => ctx.experiments.start());
  app.addHook('onReady', () => erasures.start());
  app.addHook('onClose', () => erasures.stop());
  app.addHook('onClose', () => ctx.experiments.stop());
  app.addHook('onClose', () => pruner.stop());
  app.addHook('onClose', async () => training.supervisor?.stop());
  app.addHook('onClose', async () => training.watcher?.stop());
  app.addHook('onClose', async () => encoderWatcher?.stop());
  app.addHook('onClose', () => recommendations.stop());
  app.addHook('onClose', () => ctx.insight.idle());
  // Whichever node erased a user, every process forgets them in what it keeps in memory (docs/privacy.md, "Erasure").
  // A refusal of personalisation leaves the cached segmentation the same way, on every node (docs/privacy.md, "Consent").
  // A picture stored or deleted through another node is read again here, so its visual neighbours and shop by photo see it.
  feed.subscribe((change) => {
    if (change.kind === 'picture-changed') {
      pictures.apply(change).catch((error: unknown) => warn(`picture of item "${change.itemId}" from another node`, error));
      return;
    }
    if (change.kind === 'users-stored') {
      for (const u of change.users) if (!u.consent.personalization) ctx.insight.personalizationWithdrawn(u.id);
    }
    if (change.kind !== 'user-erased') return;
    ctx.insight.forgetUser(change.userId);
    ingestor.userKey.forget(change.userId);
  });
  installRequestMetrics(app, ctx.metrics);
  registerOpenApi(app, { version: packageVersion() });
  installConsole(app);
  const modules = [...ROUTE_MODULES, ...(options.routes ?? [])];
  // Routes go in a plugin registered after the OpenAPI generator, so it sees every one of them.
  app.register(async (scope) => {
    for (const module of modules) for (const route of module(ctx)) scope.route(route);
  });
  return app;
}
