import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { badInput, createProgress, parseOrThrow, type Progress } from '../../core/index.js';
import { DATASET_FORMATS, datasetStats } from '../../data/index.js';
import { evaluate, loadSplit } from '../../eval/index.js';
import { getModelSpec, MODELS, saveModel, type EpochReport, type FitOptions } from '../../models/index.js';

const optionsSchema = z.object({
  model: z.string().min(1),
  data: z.string().min(1),
  format: z.enum(DATASET_FORMATS).optional(),
  attributes: z.string().optional(),
  out: z.string().default('model.curio'),
  params: z.string().default('{}'),
  seed: z.coerce.number().int().default(42),
  validationCases: z.coerce.number().int().min(1).default(4000),
  validateEvery: z.coerce.number().int().min(1).default(2),
  patience: z.coerce.number().int().min(1).default(3),
  maxMinutes: z.coerce.number().positive().optional(),
  checkpoint: z.string().optional(),
  quiet: z.boolean().default(false),
});

/** `<name>.txt` → `<name>_item2attributes.json` beside it (the S3-Rec layout), when it exists. */
function siblingAttributes(data: string): string | undefined {
  const path = data.replace(/\.txt$/, '_item2attributes.json');
  return path !== data && existsSync(path) ? path : undefined;
}

/** `curio train`: fits one model with early stopping on validation, reports its test figures, saves it. */
export function register(program: Command): void {
  program
    .command('train')
    .description('train one model (leave-one-out: early stopping on validation NDCG@10, test figures printed) and save it')
    .requiredOption('-m, --model <id>', `model id: ${MODELS.map((m) => m.id).join(', ')}`)
    .requiredOption('-d, --data <file|store-url>', 'sequences file, ReChorus .csv, or a store URL (sqlite:./curio.db)')
    .option('--format <format>', `file format: ${DATASET_FORMATS.join(' | ')} (default: by extension)`)
    .option('--attributes <file>', 'item → attribute ids JSON (default: <data>_item2attributes.json when present)')
    .option('-o, --out <file>', 'where to save the model (default model.curio)')
    .option('--params <json>', 'model parameters, e.g. \'{"dim":64,"epochs":50}\'')
    .option('--seed <n>', 'seed for initialisation, shuffling and sampling (default 42)')
    .option('--validation-cases <n>', 'validation users per early-stopping check (default 4000)')
    .option('--validate-every <n>', 'epochs between validations (default 2)')
    .option('--patience <n>', 'validations without gain before stopping (default 3)')
    .option('--max-minutes <n>', 'stop training after the epoch that passes this wall time')
    .option('--checkpoint <file>', 'write a checkpoint after every epoch; resume from it when it exists')
    .option('-q, --quiet', 'no progress bar (a line per epoch instead, as when stderr is not a terminal)')
    .action(async (raw: Record<string, unknown>) => {
      const o = parseOrThrow(optionsSchema, raw, { what: 'train options', prefix: ['train'] });
      const spec = getModelSpec(o.model);
      const params = spec.parseParams(parseJson(o.params));
      const split = await loadSplit({
        data: o.data,
        format: o.format,
        attributesPath: o.attributes ?? siblingAttributes(o.data),
        split: 'loo',
      });
      const s = datasetStats(split.full);
      console.error(`data: ${s.users} users, ${s.items} items, ${s.events} events; model ${spec.id} ${JSON.stringify(params)}`);
      const validate = (m: Parameters<NonNullable<FitOptions['validate']>>[0]): number =>
        evaluate(m, split, 'validation', { metrics: ['ndcg@10'], maxCases: o.validationCases, seed: o.seed }).metrics['ndcg@10'];
      // A bar on a terminal; off one (a log file, CI), a line per epoch instead of a bar redrawn in place.
      const drawBar = !o.quiet && process.stderr.isTTY === true;
      let bar: Progress | null = null;
      let lastSequences = 0;
      const started = performance.now();
      const options: FitOptions = {
        seed: o.seed,
        validate,
        validateEveryEpochs: o.validateEvery,
        patience: o.patience,
        ...(o.maxMinutes ? { maxTrainSeconds: o.maxMinutes * 60 } : {}),
        ...(o.checkpoint ? { checkpointPath: o.checkpoint } : {}),
        onBatch: (r) => {
          if (!drawBar) return;
          bar ??= createProgress({ label: 'train', unit: 'seq', fields: ['epoch', 'loss', 'val'] });
          if (r.batch === 1) bar.setTotal(Math.round((r.sequences / r.batch) * r.batches * r.epochs));
          bar.tick(r.sequences - (r.batch === 1 ? 0 : lastSequences), { epoch: `${r.epoch + 1}/${r.epochs}`, loss: r.loss.toFixed(4) });
          lastSequences = r.sequences;
        },
        onProgress: (r) => {
          if (r.validation !== undefined) bar?.tick(0, { val: r.validation.toFixed(4) });
          if (!drawBar) console.error(epochLine(r, (performance.now() - started) / 1000));
        },
      };
      const model = await spec.fit(split.train, params, options);
      (bar as Progress | null)?.stop();
      const trainSeconds = (performance.now() - started) / 1000;
      const test = evaluate(model, split, 'test', {
        protocol: 'full',
        metrics: ['hr@10', 'ndcg@10', 'hr@20', 'ndcg@20'],
        seed: o.seed,
      }).metrics;
      console.log(
        `${spec.id}: trained ${trainSeconds.toFixed(0)} s; test (leave-one-out, full ranking) hr@10 ${test['hr@10'].toFixed(4)} ndcg@10 ${test['ndcg@10'].toFixed(4)} hr@20 ${test['hr@20'].toFixed(4)} ndcg@20 ${test['ndcg@20'].toFixed(4)}`,
      );
      saveModel(model, o.out);
      console.log(`saved ${o.out}`);
    });
}

/**
 * One line per epoch for output that is not a terminal: clock time, epoch, loss, validation NDCG@10 when
 * it ran, elapsed and the time left if every epoch runs (early stopping may end sooner).
 */
export function epochLine(r: EpochReport, elapsedSeconds: number, now = new Date()): string {
  const done = r.epoch + 1;
  const left = (elapsedSeconds / done) * (r.epochs - done);
  const val = r.validation === undefined ? '' : ` val ndcg@10 ${r.validation.toFixed(4)}`;
  return `${now.toISOString().slice(11, 19)} epoch ${done}/${r.epochs} loss ${r.loss.toFixed(4)}${val} elapsed ${Math.round(elapsedSeconds)} s ETA ${Math.round(left)} s`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw badInput('--params must be a JSON object, e.g. {"dim":64}', [{ path: 'train.params', message: String(cause) }]);
  }
}
