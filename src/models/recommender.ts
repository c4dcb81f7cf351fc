import type { z } from 'zod';
import type { EventWeights } from '../core/index.js';
import type { SequenceDataset } from '../data/index.js';
import type { ModelArtifact } from './artifact.js';

/**
 * What a model may do beyond scoring a known user:
 * - `sequential`: uses the order of the user's recent items;
 * - `session`: scores an anonymous state (no user index) from its items alone;
 * - `user-embedding`: learns one vector per training user (unknown users fall back to their items);
 * - `epochs`: trains in epochs and honours `onProgress` / `validate` (early stopping);
 * - `warm-start`: honours `FitOptions.warmStart` (others refuse it with BAD_INPUT);
 * - `repeat`: scores only a known user's own past items, a part for a blend (it has nothing for an anonymous
 *   state, and a protocol that removes the whole history leaves it nothing to rank).
 */
export const CAPABILITIES = ['sequential', 'session', 'user-embedding', 'epochs', 'warm-start', 'repeat'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/**
 * A user's state at recommendation time: the recent item sequence, oldest first, with behaviour
 * tokens (index into EVENT_TYPES) and times; `user` is the training row when the user is known.
 */
export interface UserState {
  user?: number;
  items: Int32Array;
  types?: Uint8Array;
  timestampsMs?: Float64Array;
}

/** A trained model. Scores are comparable within one call only. */
export interface Recommender {
  readonly id: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly nItems: number;
  /** One score per item for this state (higher = better), written into `out` when given. */
  scoreAll(state: UserState, out?: Float32Array): Float32Array;
  /** Everything needed to rebuild the model with its spec's `restore`. */
  toArtifact(): ModelArtifact;
  /** Present when a score is a fixed per-item prior plus terms for a few items (see SparseScoring). */
  readonly sparse?: SparseScoring;
}

/**
 * Scores that are a fixed prior per item plus terms that reach only the items near the history (a
 * transition model's followers over its popularity back-off): the best items are the best touched ones
 * merged with the best of the prior, found without scoring and scanning every item (`sparseTopK`).
 */
export interface SparseScoring {
  /** Every item's score when nothing is touched: `scoreAll` of an empty state. */
  readonly prior: Float32Array;
  /** Items by prior, best first; ties by lower index (the order `topK` breaks them in). */
  priorOrder(): Int32Array;
  /**
   * Adds this state's terms to `scores`, which holds the prior, exactly as `scoreAll` does (so the result
   * equals `scoreAll`), and returns the items it wrote to, each once. Nothing else is allocated per item.
   */
  addTerms(state: UserState, scores: Float32Array): Int32Array;
}

/** Reported after each epoch by models with the `epochs` capability. */
export interface EpochReport {
  epoch: number;
  epochs: number;
  loss: number;
  seconds: number;
  /** The validation score when `validate` ran this epoch. */
  validation?: number;
}

/** Progress within an epoch (mini-batch models), for progress bars. */
export interface BatchReport {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  sequences: number;
  loss: number;
}

/**
 * A trained model to start from instead of random weights (an incremental update on newer data). It must be
 * of the family being fitted, with the same architecture params (those that shape or wire the network: dim,
 * blocks, heads, maxLen, style, ...), else BAD_INPUT naming each that differs; training params (epochs,
 * learningRate, dropoutRate, ...) may differ, and usually do: a few epochs at a lower learning rate.
 * Every weight that is not per item is copied. An item's rows are copied when its external id is in
 * `itemIds`; items new to the data start as in a cold fit. Side-feature (attribute) rows are matched by
 * attribute name, which the warm model's artifact keeps (an artifact without names: attribute rows start
 * fresh). Only the weights carry over: the optimiser starts afresh.
 */
export interface WarmStart {
  model: Recommender;
  /** External id of each of the model's items: its item i is `itemIds[i]` (the `items` of the data it was fitted on). */
  itemIds: readonly string[];
}

export interface FitOptions {
  seed: number;
  /** How much each behaviour counts; default DEFAULT_EVENT_WEIGHTS. */
  eventWeights?: EventWeights;
  onProgress?: (report: EpochReport) => void;
  /** Higher is better; epoch models keep the best epoch and stop after `patience` epochs without gain. */
  validate?: (model: Recommender) => number;
  /** Epochs between validations. Default 1. */
  validateEveryEpochs?: number;
  /** Validations without improvement before stopping. Default 3. */
  patience?: number;
  /** Called after every mini-batch by models that train in batches (the sequential ones). */
  onBatch?: (report: BatchReport) => void;
  /** Epoch models that support it write a checkpoint here after every epoch and resume from it when it exists. */
  checkpointPath?: string;
  /** Epoch models that support it stop after the first epoch that ends past this many seconds of training (validating there). */
  maxTrainSeconds?: number;
  /** Models with the `warm-start` capability initialise from this trained model (see WarmStart). */
  warmStart?: WarmStart;
}

/** A candidate grid per parameter for the seeded search on the validation split. */
export type SearchSpace = Readonly<Record<string, readonly (number | string | boolean)[]>>;

/** A model family: one file in src/models, one line in registry.ts. */
export interface ModelSpec {
  /** Stable lowercase id, stored in artifacts. */
  readonly id: string;
  /** Bumped when the artifact layout changes; older artifacts are refused. */
  readonly artifactVersion: number;
  readonly description: string;
  readonly capabilities: readonly Capability[];
  readonly paramsSchema: z.ZodType<Record<string, unknown>>;
  readonly searchSpace: SearchSpace;
  /** Small params with which the shared suite (model.case.ts) trains this model on the planted data in well under a second. */
  readonly testParams: Readonly<Record<string, unknown>>;
  /** Validates params (filling defaults); BAD_INPUT with every problem otherwise. */
  parseParams(raw: unknown): Record<string, unknown>;
  /** Trains on the sequences; MODEL_FIT when training produced non-finite numbers. */
  fit(train: SequenceDataset, params: unknown, options: FitOptions): Promise<Recommender>;
  restore(artifact: ModelArtifact): Recommender;
  /**
   * Present for families that keep something of each training user, row by row (user factors, or the user's own
   * sequence): empties user `row` of the artifact in place, so the model restored from it (or the live model whose
   * `toArtifact()` handed out its own arrays) has forgotten that user; false when there is no such row. An
   * erasure reaches these families at once (user-rows.ts); the others forget a user with the next retrain.
   */
  clearUserRow?(artifact: ModelArtifact, row: number): boolean;
}
