/**
 * Every sequence dataset at hand × every model, through the same harness: leave-one-out, full ranking, the
 * user's seen items removed, one seed. Classic models run with their defaults (EASE's λ is picked on
 * validation from a short list: it has no default that suits every catalogue), the neural ones are
 * early-stopped on validation NDCG@10, and `blend` is the trainer's blend of its default candidates
 * (`training.candidates`) with weights fitted on validation. Test is read once per model, after every choice was made. The default
 * model (the blend, or curio-seq without it) is compared with the best classic case by case: the mean
 * difference on HR@10 and NDCG@10 with a paired bootstrap 95% interval and the cases each model won.
 *
 * Files the harness reads directly (sequences, ReChorus csv) load as they are; the session and log
 * datasets go through Curio's own importers into a temporary SQLite store first, as a shop's data would.
 * Each finished dataset is merged into bench/results/quality-all.json, so a partial run keeps what it did.
 *
 *   npm run bench:quality-all [-- --datasets beauty,lastfm,grocery,diginetica,yoochoose,taobao
 *     --models pop,itemknn,transition,ease,sknn,sasrec,curio-seq,blend --max-minutes 15 --seed 42
 *     --blend-parts transition,itemknn,sknn,curio-seq --params '{"curio-seq":{"epochs":21}}' --out bench/results/quality-all.json]
 *
 * `--blend-parts` tries another blend than the trainer's (the row's blendWeights name its parts); `--out`
 * writes elsewhere, so a trial leaves the file's rows alone. `--params` sets a model's parameters (a row
 * names them): an epoch cap there reproduces a run that a faster machine ended at `--max-minutes`, since the
 * epochs themselves do not depend on the cap.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { datasetStats, type Split } from '../src/data/index.js';
import { configSchema, createRng } from '../src/core/index.js';
import { comparePaired, evaluate, loadSplit } from '../src/eval/index.js';
import { Ingestor, runImport } from '../src/ingest/index.js';
import { createBlend, fitBlendWeights, getModelSpec, type Recommender } from '../src/models/index.js';
import { openStore } from '../src/store/index.js';
import { datasetPath, portablePath } from './datasets.js';
import { mergeRow } from './results-file.js';

const METRICS = ['hr@10', 'ndcg@10', 'hr@20', 'ndcg@20'];
const CLASSIC = ['pop', 'itemknn', 'transition', 'ease', 'sknn'];

/** Where a dataset comes from: a file the harness reads, or a file imported into a store by an importer. */
type Source = { kind: 'file'; path: string[] } | { kind: 'import'; format: string; path: string[] };

interface DatasetSpec {
  source: Source;
  protocol: string;
}

const LOO = 'leave-one-out per user (last item test, the one before validation), full ranking, seen items removed';
const DATASETS: Record<string, DatasetSpec> = {
  beauty: { source: { kind: 'file', path: ['amazon-s3rec', 'Beauty.txt'] }, protocol: `${LOO}; S3-Rec/FMLP-Rec files` },
  lastfm: { source: { kind: 'file', path: ['amazon-s3rec', 'LastFM.txt'] }, protocol: `${LOO}; S3-Rec/FMLP-Rec files` },
  grocery: { source: { kind: 'file', path: ['amazon-grocery-rechorus', 'train.csv'] }, protocol: `${LOO}; ReChorus 5-core file` },
  diginetica: {
    source: { kind: 'import', format: 'diginetica', path: ['diginetica-sample', 'sample_train-item-views.csv'] },
    protocol: `${LOO}; curio import diginetica (users, else sessions, as sequences)`,
  },
  yoochoose: {
    source: { kind: 'import', format: 'yoochoose', path: ['yoochoose-100k', 'yoochoose-clicks-100k_train_full.txt'] },
    protocol: `${LOO}; curio import yoochoose (one sequence per session)`,
  },
  taobao: {
    source: { kind: 'import', format: 'taobao', path: ['taobao-userbehavior-sample', 'UserBehavior.csv'] },
    protocol: `${LOO}; curio import taobao (pv/cart/fav/buy as behaviour types)`,
  },
};

const { values: args } = parseArgs({
  options: {
    datasets: { type: 'string', default: Object.keys(DATASETS).join(',') },
    models: { type: 'string', default: [...CLASSIC, 'sasrec', 'curio-seq', 'blend'].join(',') },
    params: { type: 'string', default: '{}' },
    seed: { type: 'string', default: '42' },
    'validation-cases': { type: 'string', default: '2000' },
    'max-minutes': { type: 'string', default: '15' },
    'ease-lambdas': { type: 'string', default: '100,300,1000' },
    'blend-parts': {
      type: 'string',
      default: configSchema
        .parse({})
        .training.candidates.map((c) => c.model)
        .join(','),
    },
    out: { type: 'string', default: 'bench/results/quality-all.json' },
  },
});
const OUT = args.out;
const BLEND_PARTS = args['blend-parts'].split(',');
for (const id of BLEND_PARTS) getModelSpec(id); // an unknown part fails before any training
const seed = Number(args.seed);
const PARAMS = ((): Record<string, Record<string, unknown>> => {
  try {
    return JSON.parse(args.params) as Record<string, Record<string, unknown>>;
  } catch (cause) {
    throw new Error(`--params must be JSON like '{"curio-seq":{"epochs":21}}': ${(cause as Error).message}`);
  }
})();
for (const [id, p] of Object.entries(PARAMS)) getModelSpec(id).parseParams(p); // a bad model or parameter fails before any training

async function loadDataset(spec: DatasetSpec, scratch: string): Promise<Split> {
  const file = datasetPath(...spec.source.path);
  if (spec.source.kind === 'file') {
    const attributes = file.replace(/\.txt$/, '_item2attributes.json');
    return loadSplit({ data: file, attributesPath: attributes !== file && existsSync(attributes) ? attributes : undefined, split: 'loo' });
  }
  const url = `sqlite:${join(scratch, `${spec.source.format}.db`)}`;
  const store = await openStore(url);
  try {
    const report = await runImport({ format: spec.source.format, file, ingestor: new Ingestor({ store, idSecret: null }) });
    if (report.status !== 'complete') throw new Error(`import of ${file} ${report.status}: ${report.message ?? ''}`);
    console.log(`  imported ${report.eventsAccepted} events (${report.rejectedRows} rows rejected) in ${report.seconds.toFixed(1)} s`);
  } finally {
    await store.close();
  }
  return loadSplit({ data: url, split: 'loo' });
}

interface Trained {
  model: Recommender;
  seconds: number;
  validation: number;
  params?: unknown;
}

async function runDataset(name: string, spec: DatasetSpec, models: string[]): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'curio-quality-all-'));
  try {
    const started = performance.now();
    const split = await loadDataset(spec, scratch);
    const stats = datasetStats(split.full);
    console.log(`${name}: ${stats.users} users, ${stats.items} items, ${stats.events} events`);
    const validate = (m: Recommender): number =>
      evaluate(m, split, 'validation', { metrics: ['ndcg@10'], maxCases: Number(args['validation-cases']), seed }).metrics['ndcg@10'];
    const trained = new Map<string, Trained>();
    const fit = async (id: string, params: Record<string, unknown> = {}): Promise<Trained> => {
      const specOf = getModelSpec(id);
      const t0 = performance.now();
      const epochs = specOf.capabilities.includes('epochs');
      const model = await specOf.fit(split.train, specOf.parseParams(params), {
        seed,
        ...(epochs ? { validate, validateEveryEpochs: 2, patience: 4, maxTrainSeconds: Number(args['max-minutes']) * 60 } : {}),
        onProgress: (r) =>
          r.validation !== undefined &&
          console.log(
            `    ${id} epoch ${r.epoch + 1} val ndcg@10 ${r.validation.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
          ),
      });
      return { model, seconds: (performance.now() - t0) / 1000, validation: validate(model), params };
    };
    const need = new Set(models.flatMap((m) => (m === 'blend' ? [...BLEND_PARTS] : [m])));
    for (const id of need) {
      if (id === 'ease') {
        let best: Trained | null = null;
        for (const lambda of args['ease-lambdas'].split(',').map(Number)) {
          const t = await fit('ease', { lambda });
          console.log(`  ease λ=${lambda}: validation ndcg@10 ${t.validation.toFixed(4)} (${t.seconds.toFixed(0)} s)`);
          if (!best || t.validation > best.validation) best = t;
        }
        if (best) trained.set(id, best);
      } else {
        trained.set(id, await fit(id, PARAMS[id]));
      }
      const t = trained.get(id);
      if (t) console.log(`  ${id}: validation ndcg@10 ${t.validation.toFixed(4)} (${t.seconds.toFixed(0)} s)`);
    }
    let weights: number[] | undefined;
    if (models.includes('blend')) {
      const parts = BLEND_PARTS.map((id) => {
        const t = trained.get(id);
        if (!t) throw new Error(`blend part ${id} was not trained`);
        return t.model;
      });
      const t0 = performance.now();
      const fitted = fitBlendWeights(parts, validate);
      weights = fitted.weights;
      trained.set('blend', {
        model: createBlend(parts.map((model, k) => ({ model, weight: fitted.weights[k] }))),
        seconds: BLEND_PARTS.reduce((s, id) => s + (trained.get(id)?.seconds ?? 0), 0) + (performance.now() - t0) / 1000,
        validation: fitted.score,
      });
      console.log(
        `  blend ${BLEND_PARTS.map((id, k) => `${id}×${fitted.weights[k]}`).join(' + ')}: validation ndcg@10 ${fitted.score.toFixed(4)}`,
      );
    }

    // The test set, read once per model after every choice was made on validation.
    const rows: Record<string, Record<string, unknown>> = {};
    const perCase = new Map<string, Record<string, Float64Array>>();
    for (const id of models) {
      const t = trained.get(id);
      if (!t) continue;
      const result = evaluate(t.model, split, 'test', { protocol: 'full', metrics: METRICS, seed, perCase: true });
      const test = result.metrics;
      perCase.set(id, result.perCase ?? {});
      rows[id] = {
        ...test,
        'validation_ndcg@10': t.validation,
        train_s: Number(t.seconds.toFixed(1)),
        ...(t.params && Object.keys(t.params).length > 0 ? { params: t.params } : {}),
      };
      console.log(`  ${id.padEnd(10)} test hr@10 ${test['hr@10'].toFixed(4)} ndcg@10 ${test['ndcg@10'].toFixed(4)}`);
    }
    const classic = Object.entries(rows).filter(([id]) => CLASSIC.includes(id));
    const bestClassic = (metric: string): number => Math.max(...classic.map(([, r]) => r[metric] as number));
    const defaultId = rows.blend ? 'blend' : 'curio-seq';
    const curio = rows[defaultId];
    // The default against the best classic on each metric, case by case: the test sets are a few thousand
    // cases, so a gap of a few hits says nothing without its interval.
    const paired = (metric: string) => {
      const [against] = classic.reduce((a, b) => ((b[1][metric] as number) > (a[1][metric] as number) ? b : a));
      const c = comparePaired(perCase.get(defaultId)![metric], perCase.get(against)![metric], { resamples: 2000, rng: createRng(seed) });
      console.log(
        `  ${defaultId} − ${against} ${metric}: ${c.difference.toFixed(4)} [${c.lower.toFixed(4)}, ${c.upper.toFixed(4)}] (better on ${c.aBetter} cases, worse on ${c.bBetter})`,
      );
      const round = (x: number) => Number(x.toFixed(5));
      return {
        against,
        difference: round(c.difference),
        ci95: [round(c.lower), round(c.upper)],
        defaultBetterCases: c.aBetter,
        classicBetterCases: c.bBetter,
        cases: c.cases,
      };
    };
    mergeRow(
      OUT,
      'datasets',
      name,
      {
        data: portablePath(datasetPath(...spec.source.path)),
        protocol: `${spec.protocol}; seed ${seed}`,
        users: stats.users,
        items: stats.items,
        events: stats.events,
        models: rows,
        ...(weights ? { blendWeights: Object.fromEntries(BLEND_PARTS.map((id, k) => [id, weights[k]])) } : {}),
        ...(curio && classic.length > 0
          ? {
              defaultModel: defaultId,
              defaultVsBestClassic: {
                'hr@10': Number(((curio['hr@10'] as number) / bestClassic('hr@10')).toFixed(4)),
                'ndcg@10': Number(((curio['ndcg@10'] as number) / bestClassic('ndcg@10')).toFixed(4)),
              },
              defaultMinusBestClassicPaired: { 'hr@10': paired('hr@10'), 'ndcg@10': paired('ndcg@10') },
            }
          : {}),
        wallSeconds: Number(((performance.now() - started) / 1000).toFixed(0)),
        machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Number(l.toFixed(2))), node: process.version },
      },
      'several: see each dataset',
    );
    console.log(`wrote ${name} to ${OUT}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const models = args.models.split(',');
for (const name of args.datasets.split(',')) {
  const spec = DATASETS[name];
  if (!spec) throw new Error(`unknown dataset "${name}" (${Object.keys(DATASETS).join(', ')})`);
  await runDataset(name, spec, models);
}
