import type { EpochReport, FitOptions, Recommender } from './recommender.js';

/** The parts of FitOptions early stopping reads, for any kind of model `M` (a recommender by default). */
export type EarlyStoppingOptions<M> = Pick<FitOptions, 'onProgress' | 'validateEveryEpochs' | 'patience'> & {
  validate?: (model: M) => number;
};

/**
 * Runs `epochs` epochs, validating every `validateEveryEpochs`; keeps the best state seen
 * (`save`/`restore`) and stops after `patience` validations without gain, or after the first epoch at
 * which `stop()` says so (a time budget; that epoch is validated first). Without `validate` it runs
 * every epoch and keeps the last.
 */
export function trainWithEarlyStopping<M = Recommender>(args: {
  epochs: number;
  options: EarlyStoppingOptions<M>;
  runEpoch: (epoch: number) => number;
  model: () => M;
  save: () => void;
  restore: () => void;
  stop?: () => boolean;
}): { epochsRun: number; bestValidation: number | null } {
  const { epochs, options } = args;
  const every = options.validateEveryEpochs ?? 1;
  const patience = options.patience ?? 3;
  let best = Number.NEGATIVE_INFINITY;
  let waited = 0;
  let epoch = 0;
  while (epoch < epochs) {
    const started = performance.now();
    const loss = args.runEpoch(epoch);
    const report: EpochReport = { epoch, epochs, loss, seconds: (performance.now() - started) / 1000 };
    epoch++;
    const stopping = args.stop?.() ?? false;
    if (options.validate && (epoch % every === 0 || epoch === epochs || stopping)) {
      const score = options.validate(args.model());
      report.validation = score;
      if (score > best) {
        best = score;
        waited = 0;
        args.save();
      } else if (++waited >= patience) {
        options.onProgress?.(report);
        break;
      }
    }
    options.onProgress?.(report);
    if (stopping) break;
  }
  if (options.validate && best > Number.NEGATIVE_INFINITY) args.restore();
  return { epochsRun: epoch, bestValidation: options.validate ? best : null };
}
