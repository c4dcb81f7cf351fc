// The shapes the console reads from the Curio API (docs/api.md), narrowed to the fields it uses. They are
// checked against the generated response types (clients/js): client.ts returns those, typed as these.

export type Scope = 'ingest' | 'read' | 'admin';

export interface Whoami {
  actor: string;
  scopes: Scope[];
  authDisabled: boolean;
}

export interface Activity {
  from: number;
  to: number;
  perMinute: Array<{ minute: number; counts: Record<string, number> }>;
  /** Minute-and-type cells left out for having fewer than privacy.minGroupSize shoppers. */
  suppressed: number;
  truncated: boolean;
  totals: { items: number; users: number; events: number };
}

export interface Item {
  id: string;
  title: string | null;
  description?: string | null;
  categoryPath: string[];
  tags: string[];
  brand: string | null;
  price: number | null;
  available: boolean;
  /** The shop's own fields; `rejectedTags` lists tags a person rejected for the item. */
  attributes: Record<string, unknown>;
}

export interface UserEvent {
  id: string;
  itemId: string | null;
  type: string;
  value: number | null;
  timestamp: number;
  sessionId: string | null;
}

export interface RecommendedItem {
  itemId: string;
  position: number;
  score: number;
  reason: string;
  explored: boolean;
  propensity: number;
  title?: string | null;
  category?: string | null;
}

export interface Slate {
  recommendationId: string;
  mode: string;
  policy: string;
  exploreWeight: number;
  /** null while no model serves (popular items only). */
  model: string | null;
  modelVersion: string | null;
  items: RecommendedItem[];
}

export interface ItemList {
  items: RecommendedItem[];
}

export interface Affinity {
  key: string;
  score: number;
  share: number;
}

/** What a shopper's personal reads answer once they withdrew personalisation: that, and nothing else. */
export interface NotPersonalised {
  personalization: false;
}

export type Interests = InterestProfile | NotPersonalised;

export interface InterestProfile {
  personalization: true;
  /** Epoch ms the scores are decayed to (null without events). */
  asOf: number | null;
  events: number;
  categories: Affinity[];
  tags: Affinity[];
  brands: Affinity[];
  recent: { categories: Affinity[]; tags: Affinity[]; brands: Affinity[] };
  drift: { score: number; newInterests: Array<{ dimension: string; key: string; share: number; firstSeenAt: number }> } | null;
  clusters: { clusters: Array<{ label: string; share: number; itemIds: string[] }>; silhouette: number | null } | null;
}

/** How unsure the serving policy is about a shopper's interests (GET /v1/users/:id/interests/uncertainty). */
export interface InterestUncertainty {
  personalization: boolean;
  policy?: string;
  /** false when the serving policy keeps no belief (only the neural policies do). */
  available?: boolean;
  interests?: Array<{
    category: string;
    stage: 'established' | 'fading' | 'unknown';
    candidates: number;
    appeal: number;
    uncertainty: number;
  }>;
}

export interface SegmentDescription {
  segment: number;
  size: number;
  share: number;
  topCategories: Array<{ category: string; share: number }>;
  averageOrderValue: number;
  conversionRate: number;
  medianSessionEvents: number;
  medianSessionMinutes: number;
  medianRecencyDays: number;
  description: string;
}

export interface Segments {
  users: number;
  k: number;
  silhouette: number | null;
  segments: SegmentDescription[];
}

export type UserSegment = { personalization: true; segment: SegmentDescription | null } | NotPersonalised;

export type Intent = PurchaseIntent | NotPersonalised;

export interface PurchaseIntent {
  personalization: true;
  inSession: number | null;
  withinNextEvents: { events: number; probability: number } | null;
  sessionActive: boolean;
}

export interface TagPrediction {
  /** null for an item sent inline without an id. */
  itemId: string | null;
  category: { label: string; confidence: number } | null;
  tags: Array<{ label: string; confidence: number }>;
}

export interface Status {
  model: string | null;
  modelVersion: string | null;
  policy: { policy: string; params: Record<string, unknown> };
  feedback: { impressions: number; rewards: number; ignored: number };
}

export interface Exploration {
  slates: number;
  impressions: number;
  explored: number;
  share: number | null;
  meanExploreWeight: number | null;
  byPolicy: Record<string, number>;
}

export interface Interval {
  estimate: number;
  lower: number;
  upper: number;
  stdError: number;
}

export interface OpeReport {
  policy: string;
  exploreWeight: number;
  slates: number;
  impressions: number;
  loggedRewardRate: number;
  chosen: (Interval & { estimator: string }) | null;
  estimates: Record<string, Interval>;
  warnings: string[];
}

export interface ModelVersion {
  id: string;
  model: string;
  /** What it serves: recommendations, or the pictures' embeddings (an image encoder). */
  track: 'recommendations' | 'pictures';
  trainedAt: string;
  state: string;
  reason: string | null;
  /** null where a metric could not be computed (no holdout users, say). */
  metrics: Record<string, number | null>;
  window: { events: number; users: number; items: number };
}

export interface Models {
  serving: string | null;
  servingEncoder: string | null;
  versions: ModelVersion[];
}

export interface Experiment {
  id: string;
  name: string;
  state: string;
  primaryMetric: string;
  arms: Array<{ id: string; description: string; weight: number; model?: string; policy?: string; exploreWeight?: number }>;
}

/** What an experiment's arms are compared on. */
export type ShopMetric = 'conversion' | 'revenue' | 'ctr' | 'add-to-cart' | 'aov';
/** A primary metric may also be a guardrail. */
export type MetricName = ShopMetric | 'latency-p99' | 'coverage' | 'diversity';

export interface Comparison {
  control: number;
  treatment: number;
  difference: number;
  interval: { lower: number; upper: number };
  pValue: number;
  sequential: { pValue: number; significant: boolean } | null;
}

export interface ExperimentResults {
  control: string;
  primaryMetric: MetricName;
  arms: Array<{ id: string; users: number; slates: number; impressions: number; metrics: Record<ShopMetric, number | null> }>;
  comparisons: Array<{ arm: string; metrics: Record<ShopMetric, Comparison | null> }>;
  warnings: string[];
}

export interface UserRecord {
  id: string;
  consent: { tracking: boolean; personalization: boolean };
  attributes?: Record<string, unknown>;
}

export interface ConsentState {
  userId: string;
  record: boolean;
  /** A record or any stored event: false for a user never seen, or erased. */
  known: boolean;
  consent: UserRecord['consent'];
}

export interface ErasureReceipt {
  id: string;
  state: 'pending' | 'done';
  requestedAt: string;
  completedAt: string | null;
  targets: Record<string, { state: string; removed?: number; detail: string } | undefined>;
}

export interface Retention {
  eventDays: Record<string, number>;
  decisionDays: number;
  pruneIntervalMinutes: number;
  lastPass: { startedAt: number; finishedAt: number; slates: number } | null;
}
