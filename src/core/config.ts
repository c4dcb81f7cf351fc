import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { CurioError, parseOrThrow } from './errors.js';
import { DEFAULT_EVENT_WEIGHTS, EVENT_TYPES } from './event-types.js';

export const API_SCOPES = ['ingest', 'read', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** A JetStream stream name Curio can turn into subjects: words of letters, digits and '-' joined by single '_'. */
export const STREAM_NAME_PATTERN = /^[A-Za-z0-9-]+(?:_[A-Za-z0-9-]+)*$/;

const apiKeySchema = z.object({
  key: z.string().min(16, 'an API key needs at least 16 characters'),
  scopes: z.array(z.enum(API_SCOPES)).min(1),
  name: z.string().optional(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

const weightsSchema = z
  .object(Object.fromEntries(EVENT_TYPES.map((t) => [t, z.number().finite().default(DEFAULT_EVENT_WEIGHTS[t])])))
  .strict() as unknown as z.ZodType<Record<(typeof EVENT_TYPES)[number], number>>;

/**
 * `privacy.retentionDays`: one number of days for every event type and for decisions, or per event type with
 * `default` for the others, e.g. `{ "default": 365, "view": 90, "impression": 30 }`; 0 = kept.
 */
export const retentionDaysSchema = z.union([
  z.number().min(0),
  z
    .object({ default: z.number().min(0).default(0), ...Object.fromEntries(EVENT_TYPES.map((t) => [t, z.number().min(0).optional()])) })
    .strict() as unknown as z.ZodType<{ default: number } & Partial<Record<(typeof EVENT_TYPES)[number], number>>>,
]);
export type RetentionDays = z.infer<typeof retentionDaysSchema>;

/** The one configuration schema. Every field has a default; docs/configuration.md lists them all. */
export const configSchema = z.object({
  store: z.object({ url: z.string().default('sqlite:./curio.db') }).default({ url: 'sqlite:./curio.db' }),
  server: z
    .object({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      bodyLimitBytes: z
        .number()
        .int()
        .positive()
        .default(32 * 1024 * 1024),
      maxBatchEvents: z.number().int().positive().max(100_000).default(10_000),
      /** Browser origins allowed to call the API (CORS, preflight answered); empty = no CORS headers; ['*'] = any. */
      corsOrigins: z.array(z.string().min(1)).default([]),
      /** Requests per second per API key (per address without a key), beyond which 429 with Retry-After; 0 = no limit. */
      rateLimitPerSecond: z.number().int().min(0).default(0),
      /** Write requests in flight beyond which new ones get 503 with Retry-After instead of queueing without bound. */
      maxPendingWrites: z.number().int().positive().default(256),
      /** Longest time to receive a whole request; 0 = no limit. */
      requestTimeoutMs: z.number().int().min(0).default(30_000),
      /** Compact V8's old generation when it is fragmented (docs/serving.md, "Memory against tail latency"); false leaves it to V8. */
      compactHeap: z.boolean().default(true),
    })
    .prefault({}),
  auth: z
    .object({
      keys: z.array(apiKeySchema).default([]),
      /** Only for local experiments: serve without API keys. */
      disabled: z.boolean().default(false),
      /** How long a server trusts what it read of a stored key (`curio keys`): a revocation elsewhere takes effect within it; 0 = read the store on every request. */
      keyCacheSeconds: z.number().min(0).max(3600).default(5),
    })
    .default({ keys: [], disabled: false, keyCacheSeconds: 5 }),
  privacy: z
    .object({
      idSecret: z.string().min(16, 'the id secret needs at least 16 characters').nullable().default(null),
      /** Model versions trained on an erased user's data are retrained or deleted within this many hours (docs/privacy.md). */
      modelErasureHours: z.number().positive().max(720).default(24),
      /** Events older than this many days are deleted, and decisions by the global value (docs/privacy.md, "Retention"); 0 = kept. */
      retentionDays: retentionDaysSchema.default(0),
      /** k-anonymity: a group of fewer users (segment, item audience) is suppressed wherever Curio shows groups; 0 or 1 = off (docs/privacy.md, "Safe aggregates"). */
      minGroupSize: z.number().int().min(0).max(10_000).default(5),
      /** Differential privacy for published counts (popular and trending lists, segment sizes): Laplace noise at this ε per release; null = exact counts. */
      epsilon: z.number().positive().max(100).nullable().default(null),
      /** One user's contribution to the published item counts: their most recent this many items (the sensitivity of a release). */
      maxItemsPerUser: z.number().int().min(1).max(1000).default(10),
      /** Published item counts (who may trend or be popular, and their noise) are recomputed this often: each recomputation is one release. */
      releaseMinutes: z.number().int().min(1).max(10_080).default(60),
    })
    .prefault({}),
  events: z.object({ weights: weightsSchema.default(DEFAULT_EVENT_WEIGHTS) }).default({ weights: DEFAULT_EVENT_WEIGHTS }),
  /** The recommendation pipeline (docs/serving.md). */
  serving: z
    .object({
      /** Model fitted from the store on start and on each refresh (a registry id). */
      model: z.string().default('transition'),
      modelParams: z.record(z.string(), z.unknown()).default({}),
      /** A saved serving artifact to load instead of fitting; null fits from the store. */
      modelPath: z.string().nullable().default(null),
      /** Refit (or reload) in the background this often; 0 = never. */
      refreshIntervalSeconds: z.number().int().min(0).default(900),
      policy: z.string().default('neural-thompson'),
      policyParams: z.record(z.string(), z.unknown()).default({}),
      /** The policy's learned state is saved to the store this often and on shutdown, and loaded at start; 0 = not persisted. */
      policySaveSeconds: z.number().int().min(0).max(86_400).default(60),
      /** 0 = pure exploitation, 1 = the policy's maximal exploration; a request may override it. */
      exploreWeight: z.number().min(0).max(1).default(0.1),
      defaultCount: z.number().int().min(1).max(100).default(10),
      /** Shortlist the policy chooses from (after rules and diversity). */
      candidateCount: z.number().int().min(1).max(1000).default(50),
      /** Newest behaviour events that make up a user's state. */
      historyLength: z.number().int().min(1).max(1000).default(30),
      /** Items shown in the user's last N impressions are not shown again; 0 turns the rule off. */
      noRepeatImpressions: z.number().int().min(0).max(1000).default(20),
      /** Each user's consent, newest events and impressions are cached this long between store reads (writes through this server update it at once); 0 = read the store on every request. */
      userCacheSeconds: z.number().int().min(0).max(86_400).default(300),
      /** A sequential model's user vectors kept by state, so a repeat request with no new event skips the forward pass; 0 = none. */
      userVectorCache: z.number().int().min(0).max(10_000_000).default(10_000),
      diversity: z.enum(['none', 'caps', 'mmr']).default('caps'),
      maxPerCategory: z.number().int().min(1).default(3),
      mmrLambda: z.number().min(0).max(1).default(0.7),
      /** Unseen categories offered to the policy per request (the exploration pool). */
      explorationCategories: z.number().int().min(0).max(100).default(6),
      /**
       * Where the exploration pool's categories come from: `frontier`, the shopper's most plausible next
       * interests (held together with theirs by other shoppers, siblings); `random`, random unseen ones.
       */
      explorationPool: z.enum(['frontier', 'random']).default('frontier'),
      /**
       * Spend the explore weight where it is needed: new and drifting shoppers get more, settled ones less,
       * averaging to `exploreWeight` over the traffic. A request that gives its own weight gets exactly that.
       */
      adaptiveExplore: z.boolean().default(true),
      newItemDays: z.number().min(0).default(14),
      trendingHalfLifeHours: z.number().positive().default(24),
      /** Append an impression event per served slot (not for users with consent.tracking=false). */
      logImpressions: z.boolean().default(true),
      /** How served slates are logged: 'slate' = one record per slate (the decision row: shown items, propensities); 'events' = one impression event per slot (the old format). */
      impressionLog: z.enum(['slate', 'events']).default('slate'),
      /** Impressions are written in one transaction per this many ms (amortises commits); 0 = with each request. */
      impressionFlushMs: z.number().int().min(0).max(10_000).default(50),
      /** Candidates stored per logged decision (the best ones, plus every shown item) for `curio ope`; 0 = no decision log. */
      decisionCandidates: z.number().int().min(0).max(1000).default(100),
      /** Model catalogues at least this large get an HNSW index for their candidates instead of exact scoring (embedding models only); 0 = never. */
      annMinItems: z.number().int().min(0).default(100_000),
      /** Seeds the policies' random streams; null = a random seed per process. */
      seed: z.number().int().nullable().default(null),
      /** Items placed at fixed 0-based positions of every slate they are allowed in. */
      pins: z.array(z.object({ itemId: z.string().min(1), position: z.number().int().min(0) })).default([]),
    })
    .prefault({}),
  /** Item pictures (docs/pictures.md): uploads, embeddings the shop sends, visual search. */
  pictures: z
    .object({
      /** Largest picture upload (PUT /v1/items/:id/picture, POST /v1/recommendations/by-picture); larger gets 413. */
      maxBytes: z
        .number()
        .int()
        .positive()
        .default(5 * 1024 * 1024),
      /** Most pixels (width × height) an upload may declare; more is refused before decoding (a decompression bomb). */
      maxPixels: z.number().int().positive().default(40_000_000),
      /** Length of the embeddings the shop sends (PUT /v1/items/:id/embedding); null = the first one stored fixes it. */
      embeddingDim: z.number().int().min(2).max(4096).nullable().default(null),
      /** Catalogues with at least this many pictures search an HNSW index for visual neighbours instead of every picture; 0 = always exact. */
      annMinItems: z.number().int().min(0).default(20_000),
      /**
       * A saved image encoder (`saveImageEncoder`, the demo writes one) that embeds pictures and photos; null = the
       * registry's serving version of the `pictures` track (trained by a `pictures` job), when there is one.
       */
      encoderPath: z.string().min(1).nullable().default(null),
      /** Parameters of the encoder a `pictures` job trains (ImageEncoderParamsSchema in src/pictures/encoder-train.ts; checked when the job runs). */
      encoderParams: z.record(z.string(), z.unknown()).default({}),
    })
    .prefault({}),
  /** The learning loop (docs/operations.md): the trainer beside the server, the model registry and its quality gate. */
  training: z
    .object({
      /** `curio serve` supervises training jobs itself (each job in its own low-priority process); false when `curio worker` runs elsewhere. */
      worker: z.boolean().default(true),
      /** Models trained by every retrain; the best on validation (or a blend of them, when that wins) is the candidate. */
      candidates: z
        .array(z.object({ model: z.string().min(1), params: z.record(z.string(), z.unknown()).default({}) }))
        .min(1)
        .default([
          { model: 'transition', params: {} },
          { model: 'itemknn', params: {} },
          { model: 'sknn', params: {} },
          { model: 'repeat', params: {} },
          { model: 'curio-seq', params: {} },
        ]),
      /** Try a blend of the candidates' scores with weights fitted on validation. */
      blend: z.boolean().default(true),
      /** Full retrains (cron, the server's local time zone); '' = only when asked. */
      schedule: z.string().default('0 3 * * *'),
      /** An incremental update of the serving curio-seq after this many new events ... */
      minNewEvents: z.number().int().min(1).default(2000),
      /** ... or when the serving version is this much older than the newest event and there is any new one; 0 = never. */
      maxStalenessMinutes: z.number().min(0).default(10),
      /** Epochs of an incremental update (warm start from the serving version). */
      incrementalEpochs: z.number().int().min(1).default(3),
      /** The gate's holdout when no version is serving yet: this newest fraction of events. */
      holdoutFraction: z.number().gt(0).lt(0.5).default(0.1),
      /** The validation slice (early stopping, blend weights, choosing the candidate): this newest fraction of the events before the holdout. */
      validationFraction: z.number().gt(0).lt(0.5).default(0.1),
      /** The metric the gate compares (on the holdout). */
      metric: z.enum(['ndcg@10', 'hr@10']).default('ndcg@10'),
      /** A candidate is promoted unless its metric is below the serving version's by more than this fraction of it. */
      tolerance: z.number().min(0).max(1).default(0.02),
      /** Users per evaluation (validation and holdout), sampled with a fixed seed; 0 = all. */
      evalUsers: z.number().int().min(0).default(5000),
      /** Longest training of one candidate; epoch models stop after the epoch that passes it. */
      maxTrainMinutes: z.number().positive().default(20),
      /**
       * Threads a job's numeric kernels use; null = every core for `curio worker`, one fewer beside
       * `curio serve` (the serving thread keeps a core of its own: training on it too costs request latency).
       */
      jobThreads: z.number().int().min(1).nullable().default(null),
      /** How often serving processes look for a newly promoted version. */
      pollMs: z.number().int().min(50).max(60_000).default(500),
      /** Versions kept (the serving one and its predecessor always are); older ones are deleted with their artifacts. */
      keepVersions: z.number().int().min(2).default(20),
      /** A running job whose trainer has not said it is alive for this long is taken over by another trainer (its checkpoints resume it). */
      jobTakeoverSeconds: z.number().min(1).default(30),
      seed: z.number().int().default(7),
    })
    .prefault({}),
  /** How long the server keeps its logs (docs/configuration.md, "Retention"); 0 = forever. */
  retention: z
    .object({
      /** Served slates and decisions older than this many days are deleted. */
      slatesDays: z.number().min(0).default(90),
      /** Impression events (the 'events' log format, and those shops send) older than this many days are deleted. */
      impressionEventsDays: z.number().min(0).default(90),
      /** How often the server prunes (in chunks, off the request path); 0 = never. */
      pruneIntervalMinutes: z.number().min(0).default(60),
    })
    .prefault({}),
  /** Cache lifetimes of the interest-mining models; 0 keeps a model until an admin refreshes it. */
  insight: z
    .object({
      segmentsTtlSeconds: z.number().int().min(0).default(3600),
      taggerTtlSeconds: z
        .number()
        .int()
        .min(0)
        .default(6 * 3600),
      intentTtlSeconds: z
        .number()
        .int()
        .min(0)
        .default(6 * 3600),
    })
    .prefault({}),
  /** Several Curio processes over one store (docs/scaling.md): the bus that carries each one's writes to the others. */
  cluster: z
    .object({
      /** 'local': one process, changes stay in it; a nats:// URL (comma-separated for a NATS cluster): a JetStream stream every node publishes to and reads. */
      bus: z
        .string()
        .refine(
          (s) => s === 'local' || s.split(',').every((url) => /^nats:\/\/[^\s/]+\/?$/.test(url.trim())),
          "the bus is 'local' or nats:// URLs (comma-separated), e.g. nats://127.0.0.1:4222",
        )
        .default('local'),
      /** Names this process on the bus; must differ between processes. */
      nodeId: z
        .string()
        .regex(/^\S+$/, 'a node id is one word without spaces')
        .default(() => `${hostname()}-${process.pid}`),
      /** The JetStream stream; its subjects are its name in lower case with '_' as '.' (curio.changes.<kind>). */
      stream: z
        .string()
        .regex(STREAM_NAME_PATTERN, "a stream name is letters, digits and '-', in words joined by single '_'")
        .default('CURIO_CHANGES'),
      /** Redis for state every node must share (policy counts and posteriors, feedback de-duplication, rate limits); null: each process keeps its own. */
      redis: z
        .string()
        .regex(/^rediss?:\/\/\S+$/, 'a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379')
        .nullable()
        .default(null),
      /** Prefix of every Redis key Curio writes, so several shops can share one Redis. */
      redisPrefix: z.string().regex(/^\S*$/, 'a key prefix has no spaces').default('curio:'),
    })
    .prefault({}),
  threads: z.number().int().positive().nullable().default(null),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Environment variables and the config path each one sets (the table in docs/configuration.md). */
export const ENV_VARS: ReadonlyArray<{ name: string; path: string; parse: (raw: string) => unknown; doc: string }> = [
  { name: 'CURIO_STORE_URL', path: 'store.url', parse: (s) => s, doc: 'Store URL, e.g. sqlite:./curio.db' },
  {
    name: 'CURIO_TRAINING_WORKER',
    path: 'training.worker',
    parse: (s) => s === 'true' || s === '1',
    doc: 'true: `curio serve` runs training jobs beside itself; false when `curio worker` runs elsewhere',
  },
  { name: 'CURIO_HOST', path: 'server.host', parse: (s) => s, doc: 'Address the HTTP server binds' },
  { name: 'CURIO_PORT', path: 'server.port', parse: Number, doc: 'HTTP port (0 picks a free one)' },
  { name: 'CURIO_BODY_LIMIT_BYTES', path: 'server.bodyLimitBytes', parse: Number, doc: 'Largest request body; larger gets 413' },
  { name: 'CURIO_MAX_BATCH_EVENTS', path: 'server.maxBatchEvents', parse: Number, doc: 'Most events in one POST /v1/events' },
  {
    name: 'CURIO_CORS_ORIGINS',
    path: 'server.corsOrigins',
    parse: (s) =>
      s
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    doc: 'Comma-separated browser origins allowed by CORS (* = any); empty = no CORS',
  },
  {
    name: 'CURIO_RATE_LIMIT_PER_SECOND',
    path: 'server.rateLimitPerSecond',
    parse: Number,
    doc: 'Requests per second per API key before 429 with Retry-After; 0 = no limit',
  },
  {
    name: 'CURIO_MAX_PENDING_WRITES',
    path: 'server.maxPendingWrites',
    parse: Number,
    doc: 'Write requests in flight before new ones get 503 with Retry-After',
  },
  {
    name: 'CURIO_REQUEST_TIMEOUT_MS',
    path: 'server.requestTimeoutMs',
    parse: Number,
    doc: 'Longest time to receive a whole request; 0 = no limit',
  },
  {
    name: 'CURIO_COMPACT_HEAP',
    path: 'server.compactHeap',
    parse: (s) => s === 'true' || s === '1',
    doc: "true: compact V8's old generation when it is fragmented; false leaves it to V8",
  },
  { name: 'CURIO_API_KEYS', path: 'auth.keys', parse: parseApiKeys, doc: 'Comma-separated key:scope+scope, e.g. k1:ingest+read,k2:admin' },
  {
    name: 'CURIO_AUTH_DISABLED',
    path: 'auth.disabled',
    parse: (s) => s === 'true' || s === '1',
    doc: 'true serves without API keys (local experiments only)',
  },
  {
    name: 'CURIO_KEY_CACHE_SECONDS',
    path: 'auth.keyCacheSeconds',
    parse: Number,
    doc: 'How long a server trusts a stored key it has read; revocation on another node takes effect within it (0 = no cache)',
  },
  { name: 'CURIO_ID_SECRET', path: 'privacy.idSecret', parse: (s) => s, doc: 'When set, user ids are stored as HMAC-SHA256(secret, id)' },
  {
    name: 'CURIO_MODEL_ERASURE_HOURS',
    path: 'privacy.modelErasureHours',
    parse: Number,
    doc: 'Hours within which model versions trained on an erased user are retrained or deleted',
  },
  {
    name: 'CURIO_RETENTION_DAYS',
    path: 'privacy.retentionDays',
    parse: (s) => (s.trim().startsWith('{') ? (JSON.parse(s) as unknown) : Number(s)),
    doc: 'Days events (and decisions) are kept; 0 = kept. A number, or JSON per event type: {"default":365,"view":90}',
  },
  {
    name: 'CURIO_MIN_GROUP_SIZE',
    path: 'privacy.minGroupSize',
    parse: Number,
    doc: 'k-anonymity: groups (segments, item audiences) of fewer users are suppressed wherever Curio shows them; 0 or 1 = off',
  },
  {
    name: 'CURIO_PRIVACY_EPSILON',
    path: 'privacy.epsilon',
    parse: (s) => (s.trim() === '' || s === 'off' ? null : Number(s)),
    doc: 'Differential privacy: Laplace noise at this ε per release on published counts (popular, trending, segment sizes); unset or off = exact',
  },
  {
    name: 'CURIO_PRIVACY_MAX_ITEMS_PER_USER',
    path: 'privacy.maxItemsPerUser',
    parse: Number,
    doc: "Items of one user counted in the published item counts (their most recent): a release's sensitivity",
  },
  {
    name: 'CURIO_PRIVACY_RELEASE_MINUTES',
    path: 'privacy.releaseMinutes',
    parse: Number,
    doc: 'How often the published item counts are recomputed (each recomputation is one release of ε)',
  },
  {
    name: 'CURIO_SERVING_MODEL',
    path: 'serving.model',
    parse: (s) => s,
    doc: 'Model the server fits from the store (transition, itemknn, pop, ...)',
  },
  {
    name: 'CURIO_SERVING_MODEL_PATH',
    path: 'serving.modelPath',
    parse: (s) => s,
    doc: 'Load this saved serving artifact instead of fitting',
  },
  {
    name: 'CURIO_SERVING_REFRESH_SECONDS',
    path: 'serving.refreshIntervalSeconds',
    parse: Number,
    doc: 'Background model refresh interval; 0 = never',
  },
  {
    name: 'CURIO_SERVING_POLICY',
    path: 'serving.policy',
    parse: (s) => s,
    doc: 'Explore/exploit policy: greedy, epsilon-greedy, thompson, linucb, neural-thompson, neural-ucb',
  },
  {
    name: 'CURIO_SERVING_POLICY_SAVE_SECONDS',
    path: 'serving.policySaveSeconds',
    parse: Number,
    doc: 'How often the policy state is saved to the store (also on shutdown); 0 = not persisted',
  },
  {
    name: 'CURIO_SERVING_DECISION_CANDIDATES',
    path: 'serving.decisionCandidates',
    parse: Number,
    doc: 'Candidates stored per logged decision for curio ope; 0 = no decision log',
  },
  {
    name: 'CURIO_EXPLORE_WEIGHT',
    path: 'serving.exploreWeight',
    parse: Number,
    doc: 'Deployment exploreWeight in [0, 1]; requests may override',
  },
  {
    name: 'CURIO_SERVING_USER_CACHE_SECONDS',
    path: 'serving.userCacheSeconds',
    parse: Number,
    doc: "How long a user's recent events are cached between store reads; 0 = no cache",
  },
  { name: 'CURIO_PICTURES_MAX_BYTES', path: 'pictures.maxBytes', parse: Number, doc: 'Largest picture upload; larger gets 413' },
  {
    name: 'CURIO_PICTURES_ENCODER_PATH',
    path: 'pictures.encoderPath',
    parse: (s) => s,
    doc: "A saved image encoder file that embeds item pictures and shoppers' photos",
  },
  {
    name: 'CURIO_PICTURES_EMBEDDING_DIM',
    path: 'pictures.embeddingDim',
    parse: Number,
    doc: 'Length of the embeddings the shop sends; unset = the first one stored fixes it',
  },
  {
    name: 'CURIO_SERVING_ANN_MIN_ITEMS',
    path: 'serving.annMinItems',
    parse: Number,
    doc: 'Embedding models with at least this many items get their candidates from an HNSW index; 0 = always exact',
  },
  { name: 'CURIO_SERVING_SEED', path: 'serving.seed', parse: Number, doc: "Seed of the policies' random streams (reproducible slates)" },
  {
    name: 'CURIO_SERVING_IMPRESSION_LOG',
    path: 'serving.impressionLog',
    parse: (s) => s,
    doc: 'How served slates are logged: slate (one record per slate) or events (one impression event per slot)',
  },
  {
    name: 'CURIO_RETENTION_SLATES_DAYS',
    path: 'retention.slatesDays',
    parse: Number,
    doc: 'Served slates and decisions are deleted after this many days; 0 = kept',
  },
  {
    name: 'CURIO_RETENTION_IMPRESSION_EVENTS_DAYS',
    path: 'retention.impressionEventsDays',
    parse: Number,
    doc: 'Impression events are deleted after this many days; 0 = kept',
  },
  {
    name: 'CURIO_RETENTION_PRUNE_MINUTES',
    path: 'retention.pruneIntervalMinutes',
    parse: Number,
    doc: 'Minutes between retention passes; 0 = never',
  },
  {
    name: 'CURIO_SEGMENTS_TTL_SECONDS',
    path: 'insight.segmentsTtlSeconds',
    parse: Number,
    doc: 'Segmentation cache lifetime; 0 = until refreshed',
  },
  {
    name: 'CURIO_TAGGER_TTL_SECONDS',
    path: 'insight.taggerTtlSeconds',
    parse: Number,
    doc: 'Auto-tagger cache lifetime; 0 = until refreshed',
  },
  {
    name: 'CURIO_INTENT_TTL_SECONDS',
    path: 'insight.intentTtlSeconds',
    parse: Number,
    doc: 'Purchase-intent model cache lifetime; 0 = until refreshed',
  },
  {
    name: 'CURIO_BUS',
    path: 'cluster.bus',
    parse: (s) => s,
    doc: "Event bus between Curio processes: 'local' (one process) or nats:// URLs of a JetStream server",
  },
  {
    name: 'CURIO_REDIS',
    path: 'cluster.redis',
    parse: (s) => s,
    doc: 'Redis URL for state shared by every Curio process (policy, feedback de-duplication, rate limits)',
  },
  {
    name: 'CURIO_REDIS_PREFIX',
    path: 'cluster.redisPrefix',
    parse: (s) => s,
    doc: 'Prefix of every Redis key Curio writes (default curio:)',
  },
  { name: 'CURIO_BUS_STREAM', path: 'cluster.stream', parse: (s) => s, doc: 'The JetStream stream of the bus (default CURIO_CHANGES)' },
  { name: 'CURIO_NODE_ID', path: 'cluster.nodeId', parse: (s) => s, doc: "This process's name on the bus (default: hostname-pid)" },
  { name: 'CURIO_THREADS', path: 'threads', parse: Number, doc: "Threads for numeric kernels (default: the machine's cores)" },
  { name: 'CURIO_LOG_LEVEL', path: 'logLevel', parse: (s) => s, doc: 'fatal, error, warn, info, debug, trace or silent' },
];

function parseApiKeys(raw: string): ApiKey[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [key, scopes = ''] = entry.split(':');
      return { key, scopes: scopes.split('+').filter(Boolean) as ApiScope[] };
    });
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export interface LoadConfigOptions {
  /** A JSON config file; missing means defaults. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides from command-line flags, as dotted paths ("server.port") or nested objects. */
  overrides?: Record<string, unknown>;
}

/** Reads configuration: defaults, then the file, then CURIO_* variables, then flags. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  let raw: Record<string, unknown> = {};
  if (options.file) {
    try {
      raw = JSON.parse(readFileSync(options.file, 'utf8')) as Record<string, unknown>;
    } catch (cause) {
      throw new CurioError('BAD_INPUT', `cannot read config file ${options.file}: ${(cause as Error).message}`, { cause });
    }
  }
  const fromEnv: Record<string, unknown> = {};
  const env = options.env ?? process.env;
  for (const v of ENV_VARS) {
    const value = env[v.name];
    if (value !== undefined && value !== '') setPath(fromEnv, v.path, v.parse(value));
  }
  const fromFlags: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options.overrides ?? {})) if (v !== undefined) setPath(fromFlags, k, v);
  const merged = deepMerge(deepMerge(raw, fromEnv), fromFlags);
  return parseOrThrow(configSchema, merged, {
    message: (problems) => `invalid configuration: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
  });
}
