import type { Split } from '../data/index.js';
import { getModelSpec, type EpochReport } from '../models/index.js';
import { evaluate, type Protocol } from './evaluate.js';
import { tuneModel, type TrialResult } from './tune.js';

export interface RunOptions {
  models: readonly string[];
  protocol: Protocol;
  metrics: readonly string[];
  seed: number;
  /** Hyper-parameter trials per model (1 = defaults only). */
  trials: number;
  maxValidationCases?: number;
  /** Epochs between early-stopping validations of epoch models. Default 1. */
  validateEveryEpochs?: number;
  sampledNegatives?: number;
  /** Per-model fixed params, by model id. */
  params?: Record<string, Record<string, unknown>>;
  /** Fit on whole sequences, test items included: ONLY to reproduce the published PopRec row. */
  fitOnFullSequences?: boolean;
  onTrial?: (modelId: string, trial: TrialResult) => void;
  onEpoch?: (modelId: string, report: EpochReport) => void;
}

export interface ModelRunResult {
  model: string;
  params: Record<string, unknown>;
  /** Fit time of the chosen trial. */
  trainSeconds: number;
  validation: number;
  test: Record<string, number>;
  testSeconds: number;
  trials: TrialResult[];
}

/** Tunes each model on validation, then evaluates the chosen one once on test. */
export async function runEvaluation(split: Split, options: RunOptions): Promise<ModelRunResult[]> {
  const results: ModelRunResult[] = [];
  for (const id of options.models) {
    const spec = getModelSpec(id);
    const tuned = await tuneModel(spec, split, {
      trials: options.trials,
      seed: options.seed,
      maxValidationCases: options.maxValidationCases,
      validateEveryEpochs: options.validateEveryEpochs,
      fixed: options.params?.[id],
      ...(options.fitOnFullSequences ? { trainOn: split.full } : {}),
      onTrial: (t) => options.onTrial?.(id, t),
      onEpoch: (r) => options.onEpoch?.(id, r),
    });
    const test = evaluate(tuned.model, split, 'test', {
      protocol: options.protocol,
      metrics: options.metrics,
      sampledNegatives: options.sampledNegatives,
      seed: options.seed,
    });
    results.push({
      model: id,
      params: tuned.best.params,
      trainSeconds: tuned.best.fitSeconds,
      validation: tuned.best.validation,
      test: test.metrics,
      testSeconds: test.seconds,
      trials: tuned.trials,
    });
  }
  return results;
}

/** A plain-text table: one row per model, one column per metric. */
export function formatTable(results: readonly ModelRunResult[], metrics: readonly string[]): string {
  const header = ['model', ...metrics, 'train_s'];
  const rows = results.map((r) => [r.model, ...metrics.map((m) => fmt(r.test[m])), r.trainSeconds.toFixed(1)]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]): string =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function fmt(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '-';
  return v.toFixed(4);
}
