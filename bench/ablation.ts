/**
 * Ablations of curio-seq on Amazon Beauty at equal epochs: each variant changes one or more options from
 * the defaults, trains `--epochs` epochs with seed 42 (no early stopping: every variant gets the same
 * number of passes, and the model kept is its best validation epoch among them), records validation NDCG@10 on a seeded subset of validation users every
 * `--validate-every` epochs, and is evaluated once on test after its last epoch (leave-one-out, full
 * ranking, the user's history excluded: the harness's protocol). Each variant's row is MERGED into
 * `--out` (re-read just before each write), so variants can be run one at a time and the file keeps
 * every earlier row.
 *
 *   node --import tsx bench/ablation.ts --variants '{"lr=0.002":{"learningRate":0.002}}' [--epochs 12]
 *     [--validate-every 2] [--validation-cases 4000] [--data file] [--out bench/results/ablation-beauty.json]
 *
 * Validation alone decides which options become defaults; the test row is read once per variant, after.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { evaluate, loadSplit } from '../src/eval/index.js';
import { getModelSpec } from '../src/models/index.js';
import { datasetPath, portablePath } from './datasets.js';
import { mergeRow } from './results-file.js';

const { values: args } = parseArgs({
  options: {
    variants: { type: 'string' },
    epochs: { type: 'string', default: '12' },
    'validate-every': { type: 'string', default: '2' },
    'validation-cases': { type: 'string', default: '4000' },
    seed: { type: 'string', default: '42' },
    data: { type: 'string' },
    out: { type: 'string', default: 'bench/results/ablation-beauty.json' },
  },
});

const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

async function main(): Promise<void> {
  if (!args.variants) throw new Error('--variants is required: a JSON object of name → curio-seq params');
  const variants = JSON.parse(args.variants) as Record<string, Record<string, unknown>>;
  const data = args.data ?? datasetPath('amazon-s3rec', 'Beauty.txt');
  const attributesPath = data.replace(/\.txt$/, '_item2attributes.json');
  const split = await loadSplit({ data, attributesPath: existsSync(attributesPath) ? attributesPath : undefined, split: 'loo' });
  const epochs = Number(args.epochs);
  const every = Number(args['validate-every']);
  const seed = Number(args.seed);
  const spec = getModelSpec('curio-seq');
  for (const [name, overrides] of Object.entries(variants)) {
    const params = spec.parseParams({ ...overrides, epochs });
    const curve: Record<string, number> = {};
    const load: number[] = [];
    const started = performance.now();
    console.log(`${name}: ${JSON.stringify(overrides)}, ${epochs} epochs`);
    const model = await spec.fit(split.train, params, {
      seed,
      validateEveryEpochs: every,
      // No early stopping, so variants compare at equal epochs (fit keeps the best validated epoch).
      patience: Number.MAX_SAFE_INTEGER,
      validate: (m) =>
        evaluate(m, split, 'validation', { metrics: ['ndcg@10'], maxCases: Number(args['validation-cases']), seed }).metrics['ndcg@10'],
      onProgress: (r) => {
        load.push(loadavg()[0]);
        if (r.validation !== undefined) curve[String(r.epoch + 1)] = round(r.validation);
        const val = r.validation === undefined ? '' : ` val ndcg@10 ${r.validation.toFixed(4)}`;
        console.log(
          `  epoch ${r.epoch + 1}/${epochs} loss ${r.loss.toFixed(4)}${val} (${((performance.now() - started) / 1000).toFixed(0)} s)`,
        );
      },
    });
    const trainSeconds = (performance.now() - started) / 1000;
    const test = evaluate(model, split, 'test', { protocol: 'full', metrics: ['hr@10', 'ndcg@10', 'hr@20', 'ndcg@20'], seed }).metrics;
    const meanLoad = load.reduce((a, b) => a + b, 0) / Math.max(1, load.length);
    const row = {
      params: overrides,
      'validation_ndcg@10': curve,
      [`test_after_${epochs}_epochs`]: test,
      train_s: round(trainSeconds, 2),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      note: `seed ${seed}; ${epochs} epochs, no early stopping; validation ndcg@10 on ${args['validation-cases']} users every ${every} epochs; mean 1-min load average during training ${meanLoad.toFixed(2)} on 2 cores`,
    };
    console.log(
      `${name}: validation ${JSON.stringify(curve)}; test hr@10 ${test['hr@10'].toFixed(4)} ndcg@10 ${test['ndcg@10'].toFixed(4)}; ${trainSeconds.toFixed(0)} s`,
    );
    mergeRow(args.out, 'variants', name, row, portablePath(data));
    console.log(`wrote ${args.out}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
