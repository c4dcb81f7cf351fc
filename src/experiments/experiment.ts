import { z } from 'zod';

/** Where an experiment applies; one running experiment owns a surface at a time (no layering). */
export const SURFACES = ['recommendations'] as const;
export type Surface = (typeof SURFACES)[number];

export const EXPERIMENT_STATES = ['draft', 'running', 'paused', 'stopped'] as const;
export type ExperimentState = (typeof EXPERIMENT_STATES)[number];

/** Metrics an experiment can name as primary or guardrail (docs/experiments.md says how each is computed). */
export const METRICS = ['conversion', 'revenue', 'ctr', 'add-to-cart', 'aov', 'latency-p99', 'coverage', 'diversity'] as const;
export type MetricName = (typeof METRICS)[number];

const slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lowercase letters, digits, "-" and "_", starting with a letter or digit');

/** One serving variant: what differs from the deployment's configuration for the users assigned to it. */
export const armSchema = z
  .object({
    id: slug,
    description: z.string().max(500).default(''),
    /** Share of the experiment's traffic, relative to the other arms' weights. */
    weight: z.number().positive().max(1_000_000).default(1),
    /** A model registry version (`GET /v1/admin/models`) this arm serves instead of the deployment's model. */
    model: z.string().min(1).max(100).optional(),
    /** Explore/exploit policy id and its params (default: the deployment's). */
    policy: z.string().min(1).max(64).optional(),
    policyParams: z.record(z.string(), z.unknown()).optional(),
    /**
     * The arm's ranking rules, where they differ from the deployment's `serving` settings: diversity mode,
     * the per-category cap and MMR's λ. The fixed rules (nothing out of stock, bought, disliked or just shown)
     * hold in every arm.
     */
    rules: z
      .object({
        diversity: z.enum(['none', 'caps', 'mmr']).optional(),
        maxPerCategory: z.number().int().min(1).max(100).optional(),
        mmrLambda: z.number().min(0).max(1).optional(),
      })
      .strict()
      .optional(),
    /** exploreWeight for this arm's requests (default: the deployment's). */
    exploreWeight: z.number().min(0).max(1).optional(),
  })
  .strict();
export type Arm = z.output<typeof armSchema>;

export const audienceSchema = z
  .object({
    /** `new`: users with no history when first served; `returning`: the others. */
    users: z.enum(['all', 'new', 'returning']).default('all'),
    /**
     * Only shoppers the cached segmentation (`GET /v1/segments`) puts in one of these segments; shoppers it has
     * not segmented yet are left out. Absent: every segment.
     */
    segments: z.array(z.number().int().min(0)).min(1).max(50).optional(),
    // Shoppers who refused personalisation are never in an experiment: they get the non-personalised slate.
  })
  .strict();

export const experimentInputSchema = z
  .object({
    id: slug,
    name: z.string().min(1).max(200),
    surface: z.enum(SURFACES).default('recommendations'),
    arms: z
      .array(armSchema)
      .min(2, 'an experiment needs at least two arms')
      .max(10)
      .refine((arms) => new Set(arms.map((a) => a.id)).size === arms.length, 'arm ids must be distinct'),
    audience: audienceSchema.default({ users: 'all' }),
    primaryMetric: z.enum(METRICS).default('conversion'),
    guardrails: z.array(z.enum(METRICS)).default(['latency-p99', 'coverage']),
    /**
     * Smallest relative lift worth detecting (0.05 is +5%): the scale of the sequential test's mixture, so the
     * always-valid results are sharpest near it (docs/experiments.md).
     */
    minimumDetectableEffect: z.number().gt(0).max(10).default(0.05),
    /** Outcomes within this many hours after an impression of the same item count for its arm. */
    attributionHours: z
      .number()
      .positive()
      .max(24 * 30)
      .default(24),
  })
  .strict();
export type ExperimentInput = z.input<typeof experimentInputSchema>;

/** One arm's off-policy estimate on logged slates before launch (src/experiments/pre-evaluation.ts). */
export interface ArmPreEvaluation {
  policy: string;
  exploreWeight: number;
  /** The estimator SLOPE chose and its reward per impression with a 95% interval; null when none was finite. */
  estimator: string | null;
  estimate: number | null;
  lower: number | null;
  upper: number | null;
  effectiveSampleSize: number;
  warnings: string[];
}

export interface PreEvaluation {
  at: number;
  /** The logged window evaluated on. */
  from: number;
  to: number;
  slates: number;
  impressions: number;
  /** What the logging policies earned per impression in that window. */
  loggedRewardRate: number;
  arms: Record<string, ArmPreEvaluation>;
}

export interface Experiment extends z.output<typeof experimentInputSchema> {
  state: ExperimentState;
  /** The latest off-policy pre-evaluation, shown next to the online results. */
  preEvaluation?: PreEvaluation;
  createdAt: number;
  startedAt: number | null;
  stoppedAt: number | null;
  /** Every change of state or weights, for the audit trail. */
  history: Array<{ at: number; change: string }>;
}

/** The lifecycle: which state each action moves to, from which states it may be taken. */
export const TRANSITIONS: Readonly<Record<'start' | 'pause' | 'stop', { from: readonly ExperimentState[]; to: ExperimentState }>> = {
  start: { from: ['draft', 'paused'], to: 'running' },
  pause: { from: ['running'], to: 'paused' },
  stop: { from: ['draft', 'running', 'paused'], to: 'stopped' },
};
