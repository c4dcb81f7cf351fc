/**
 * The trainer's blend against its parts on Amazon Beauty, with the papers' protocol (leave-one-out, full
 * ranking, seen items removed): `transition`, `itemknn` and `curio-seq` with their default params (curio-seq
 * early-stopped on validation), blend weights fitted on validation only (as the trainer does), then the
 * test set read once for every model. Writes bench/results/blend-beauty.json.
 *
 *   npm run bench:blend-beauty [-- --data file --max-minutes 25 --validation-cases 2000 --seed 42
 *                                  --parts transition,itemknn,curio-seq --out bench/results/blend-beauty.json]
 *
 * `--parts` lists the blend's parts; `model@seed` trains that part with its own seed, so
 * `curio-seq,curio-seq@43` blends two curio-seq runs that differ only in their initialisation and batch order.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { datasetStats } from '../src/data/index.js';
import { evaluate, loadSplit } from '../src/eval/index.js';
import { createBlend, fitBlendWeights, getModelSpec, type Recommender } from '../src/models/index.js';
import { datasetPath, portablePath } from './datasets.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    seed: { type: 'string', default: '42' },
    'validation-cases': { type: 'string', default: '2000' },
    'max-minutes': { type: 'string', default: '25' },
    parts: { type: 'string', default: 'transition,itemknn,curio-seq' },
    out: { type: 'string', default: 'bench/results/blend-beauty.json' },
  },
});
const METRICS = ['hr@10', 'ndcg@10', 'hr@20', 'ndcg@20'];
/** Each part: a model id and the seed it trains with (`model@seed`, else --seed). */
const PARTS = args.parts.split(',').map((part) => {
  const [model, partSeed] = part.trim().split('@');
  if (partSeed !== undefined && !/^\d+$/.test(partSeed)) throw new Error(`--parts: '${part}' is not model or model@seed`);
  return { name: part.trim(), model, seed: partSeed === undefined ? undefined : Number(partSeed) };
});

const data = args.data ?? datasetPath('amazon-s3rec', 'Beauty.txt');
const attributes = data.replace(/\.txt$/, '_item2attributes.json');
const seed = Number(args.seed);
const started = performance.now();
const split = await loadSplit({ data, attributesPath: existsSync(attributes) ? attributes : undefined, split: 'loo' });
const s = datasetStats(split.full);
console.log(`data ${data}: ${s.users} users, ${s.items} items, ${s.events} events`);
const validate = (m: Recommender): number =>
  evaluate(m, split, 'validation', { metrics: ['ndcg@10'], maxCases: Number(args['validation-cases']), seed }).metrics['ndcg@10'];

const trained: Array<{ id: string; model: Recommender; seconds: number; validation: number }> = [];
for (const { name: id, model: modelId, seed: partSeed } of PARTS) {
  const t0 = performance.now();
  const spec = getModelSpec(modelId);
  const model = await spec.fit(
    split.train,
    {},
    {
      seed: partSeed ?? seed,
      ...(spec.capabilities.includes('epochs')
        ? { validate, validateEveryEpochs: 2, patience: 4, maxTrainSeconds: Number(args['max-minutes']) * 60 }
        : {}),
      onProgress: (r) =>
        console.log(
          `  ${id} epoch ${r.epoch + 1}${r.validation === undefined ? '' : ` val ndcg@10 ${r.validation.toFixed(4)}`} (${r.seconds.toFixed(0)} s)`,
        ),
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  const validation = validate(model);
  console.log(`${id}: validation ndcg@10 ${validation.toFixed(4)} (${seconds.toFixed(0)} s)`);
  trained.push({ id, model, seconds, validation });
}

const t0 = performance.now();
const { weights, score } = fitBlendWeights(
  trained.map((t) => t.model),
  validate,
);
const blend = createBlend(trained.map((t, k) => ({ model: t.model, weight: weights[k] })));
console.log(
  `blend weights ${weights.map((w, k) => `${PARTS[k].name}×${w}`).join(' + ')}: validation ndcg@10 ${score.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
);

// The test set, read once per model after every choice was made on validation.
const rows: Record<string, Record<string, number>> = {};
for (const { id, model, seconds, validation } of [...trained, { id: 'blend', model: blend, seconds: 0, validation: score }]) {
  const test = evaluate(model, split, 'test', { protocol: 'full', metrics: METRICS, seed }).metrics;
  rows[id] = { ...test, 'validation_ndcg@10': validation, train_s: Number(seconds.toFixed(1)) };
  console.log(`${id.padEnd(10)} hr@10 ${test['hr@10'].toFixed(4)} ndcg@10 ${test['ndcg@10'].toFixed(4)}`);
}
mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(
  args.out,
  `${JSON.stringify(
    {
      bench: 'blend-beauty',
      dataset: portablePath(data),
      protocol: 'leave-one-out, full ranking, history items removed (S3-Rec/FMLP-Rec files); seed ' + seed,
      weights: Object.fromEntries(PARTS.map((part, k) => [part.name, weights[k]])),
      models: rows,
      wallSeconds: Number(((performance.now() - started) / 1000).toFixed(0)),
      machine: { cpus: cpus().length, loadavg: loadavg(), node: process.version },
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${args.out}`);
