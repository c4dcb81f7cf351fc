/**
 * The large-model benchmark: trains a sequential transformer (sasrec, curio-seq) with early stopping on
 * validation NDCG@10 (seeded subset of validation users), evaluates once on test with the harness's
 * leave-one-out full-ranking protocol, prints the figures and MERGES a row into the results file.
 *
 *   node --import tsx bench/large-model.ts --model curio-seq [--data file|sqlite:...] [--params '{"dim":64}']
 *     [--key row-name] [--out bench/results/quality-beauty.json] [--validate-every 2] [--patience 5]
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { datasetStats } from '../src/data/index.js';
import { evaluate, loadSplit } from '../src/eval/index.js';
import { getModelSpec, type FitOptions } from '../src/models/index.js';
import { datasetPath, datasetsDir, portablePath } from './datasets.js';
import { mergeRow } from './results-file.js';

/** The default data, in CURIO_DATASETS (see bench/datasets.ts). */
const BEAUTY = ['amazon-s3rec', 'Beauty.txt'];
const METRICS = ['hr@5', 'ndcg@5', 'hr@10', 'ndcg@10', 'hr@20', 'ndcg@20', 'mrr', 'coverage@10'];

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'curio-seq' },
    data: { type: 'string' },
    attributes: { type: 'string' },
    params: { type: 'string', default: '{}' },
    key: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string', default: '42' },
    'validation-cases': { type: 'string', default: '4000' },
    'validate-every': { type: 'string', default: '2' },
    patience: { type: 'string', default: '4' },
    'max-minutes': { type: 'string', default: '28' },
    checkpoint: { type: 'string' },
  },
});

function attributesFor(data: string): string | undefined {
  if (args.attributes) return args.attributes;
  const sibling = data.replace(/\.txt$/, '_item2attributes.json');
  return sibling !== data && existsSync(sibling) ? sibling : undefined;
}

async function main(): Promise<void> {
  const started = performance.now();
  const load = [loadavg()[0]];
  const data = args.data ?? datasetPath(...BEAUTY);
  const split = await loadSplit({ data, attributesPath: attributesFor(data), split: 'loo' });
  const s = datasetStats(split.full);
  console.log(`data ${data}: ${s.users} users, ${s.items} items, ${s.events} events`);
  const spec = getModelSpec(args.model);
  const params = spec.parseParams(JSON.parse(args.params));
  const seed = Number(args.seed);
  const validate = (m: Parameters<NonNullable<FitOptions['validate']>>[0]): number =>
    evaluate(m, split, 'validation', { metrics: ['ndcg@10'], maxCases: Number(args['validation-cases']), seed }).metrics['ndcg@10'];
  const fitStarted = performance.now();
  let epochs = 0;
  const options: FitOptions = {
    seed,
    validate,
    validateEveryEpochs: Number(args['validate-every']),
    patience: Number(args.patience),
    maxTrainSeconds: Number(args['max-minutes']) * 60,
    ...(args.checkpoint ? { checkpointPath: args.checkpoint } : {}),
    onProgress: (r) => {
      epochs = r.epoch + 1;
      load.push(loadavg()[0]);
      const val = r.validation === undefined ? '' : ` val ndcg@10 ${r.validation.toFixed(4)}`;
      console.log(
        `  epoch ${r.epoch + 1} loss ${r.loss.toFixed(4)}${val} (${r.seconds.toFixed(1)} s, ${((performance.now() - fitStarted) / 1000).toFixed(0)} s total, load ${loadavg()[0].toFixed(2)})`,
      );
    },
  };
  const model = await spec.fit(split.train, params, options);
  const trainSeconds = (performance.now() - fitStarted) / 1000;
  const test = evaluate(model, split, 'test', { protocol: 'full', metrics: METRICS, seed });
  const bestValidation = validate(model);
  const r = test.metrics;
  console.log(
    `${args.model}: hr@10 ${r['hr@10'].toFixed(4)} ndcg@10 ${r['ndcg@10'].toFixed(4)} hr@20 ${r['hr@20'].toFixed(4)} ndcg@20 ${r['ndcg@20'].toFixed(4)} train ${trainSeconds.toFixed(0)} s (eval ${test.seconds.toFixed(0)} s)`,
  );
  const meanLoad = load.reduce((a, b) => a + b, 0) / load.length;
  const row = {
    'hr@10': r['hr@10'],
    'ndcg@10': r['ndcg@10'],
    'hr@20': r['hr@20'],
    'ndcg@20': r['ndcg@20'],
    train_s: Number(trainSeconds.toFixed(2)),
    epochs,
    // The process's peak resident memory (kilobytes on Linux), training and evaluation included.
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    'hr@5': r['hr@5'],
    'ndcg@5': r['ndcg@5'],
    mrr: r.mrr,
    'coverage@10': r['coverage@10'],
    'validation_ndcg@10': bestValidation,
    eval_s: Number(test.seconds.toFixed(2)),
    params,
    note: `seed ${seed}; early stopping on validation ndcg@10 (${args['validation-cases']} users, every ${args['validate-every']} epochs, patience ${args.patience}, training capped at ${args['max-minutes']} min); mean 1-min load average during training ${meanLoad.toFixed(2)} on 2 cores; wall ${((performance.now() - started) / 1000).toFixed(0)} s`,
  };
  const isBeauty = resolve(data) === join(datasetsDir(), ...BEAUTY);
  const out = args.out ?? (isBeauty ? 'bench/results/quality-beauty.json' : `bench/results/large-model-${args.model}.json`);
  // A SQLite store's file is recorded like a dataset file (relative), so results hold no machine path.
  const recorded = data.startsWith('sqlite:')
    ? `sqlite:${portablePath(data.slice('sqlite:'.length))}`
    : /^[a-z]+:/.test(data)
      ? data
      : portablePath(data);
  mergeRow(out, 'models', args.key ?? args.model, row, recorded);
  console.log(`wrote ${out}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
