import type { EpochReport, FitOptions, Recommender } from './recommender.js';

/**
 * Runs `epochs` epochs, validating every `validateEveryEpochs`; keeps the best state seen
 * (`save`/`restore`) and stops after `patience` validations without gain. Without `validate` it runs
 * every epoch and keeps the last.
 */
export function trainWithEarlyStopping(args: {
  epochs: number;
  options: FitOptions;
  runEpoch: (epoch: number) => number;
  model: () => Recommender;
  save: () => void;
  restore: () => void;
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
    if (options.validate && (epoch % every === 0 || epoch === epochs)) {
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
  }
  if (options.validate && best > Number.NEGATIVE_INFINITY) args.restore();
  return { epochsRun: epoch, bestValidation: options.validate ? best : null };
}
