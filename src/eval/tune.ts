import { createRng, type Rng } from '../core/index.js';
import type { Split } from '../data/index.js';
import type { EpochReport, ModelSpec, Recommender, SearchSpace } from '../models/index.js';
import { evaluate } from './evaluate.js';

export interface TuneOptions {
  /** Parameter sets tried: the defaults first, then seeded random draws from the search space. */
  trials: number;
  seed: number;
  /** The validation metric to maximise. Default ndcg@10. */
  metric?: string;
  /** Validation cases per evaluation (seeded subset); default all. */
  maxValidationCases?: number;
  /** Epochs between early-stopping validations of epoch models. Default 1. */
  validateEveryEpochs?: number;
  /** Fixed parameters applied to every trial (e.g. from the command line). */
  fixed?: Record<string, unknown>;
  /** Train on these sequences instead of split.train (only to reproduce leaky published protocols). */
  trainOn?: Split['train'];
  onTrial?: (trial: TrialResult) => void;
  onEpoch?: (report: EpochReport) => void;
}

export interface TrialResult {
  params: Record<string, unknown>;
  validation: number;
  fitSeconds: number;
}

export interface TuneResult {
  best: TrialResult;
  model: Recommender;
  trials: TrialResult[];
}

/** Draws the distinct parameter sets to try (the empty set = defaults first). */
export function drawTrials(space: SearchSpace, trials: number, rng: Rng): Record<string, unknown>[] {
  const keys = Object.keys(space);
  const out: Record<string, unknown>[] = [{}];
  const seen = new Set(['{}']);
  const combos = keys.reduce((n, k) => n * space[k].length, 1);
  for (let attempt = 0; out.length < Math.min(trials, combos + 1) && attempt < trials * 50; attempt++) {
    const draw = Object.fromEntries(keys.map((k) => [k, space[k][rng.int(space[k].length)]]));
    const key = JSON.stringify(draw);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(draw);
  }
  return out.slice(0, Math.max(1, trials));
}

/**
 * Chooses hyper-parameters on the validation split only: each trial is fitted on the training part
 * (epoch models early-stop on the same validation metric) and scored on validation. The test split is
 * never read here.
 */
export async function tuneModel(spec: ModelSpec, split: Split, options: TuneOptions): Promise<TuneResult> {
  const metric = options.metric ?? 'ndcg@10';
  const rng = createRng(options.seed);
  const validateOn = (model: Recommender): number =>
    evaluate(model, split, 'validation', { metrics: [metric], maxCases: options.maxValidationCases, seed: options.seed }).metrics[metric];
  let best: { trial: TrialResult; model: Recommender } | null = null;
  const trials: TrialResult[] = [];
  for (const draw of drawTrials(spec.searchSpace, options.trials, rng)) {
    const params = spec.parseParams({ ...draw, ...options.fixed });
    const started = performance.now();
    const model = await spec.fit(options.trainOn ?? split.train, params, {
      seed: options.seed,
      ...(spec.capabilities.includes('epochs')
        ? { validate: validateOn, validateEveryEpochs: options.validateEveryEpochs, onProgress: options.onEpoch }
        : {}),
    });
    const fitSeconds = (performance.now() - started) / 1000;
    const trial = { params, validation: validateOn(model), fitSeconds };
    trials.push(trial);
    options.onTrial?.(trial);
    if (!best || trial.validation > best.trial.validation) best = { trial, model };
  }
  if (!best) throw new Error('unreachable: at least one trial runs');
  return { best: best.trial, model: best.model, trials };
}
