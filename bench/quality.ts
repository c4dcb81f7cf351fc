/**
 * Amazon Beauty quality benchmark: leave-one-out, full ranking, history excluded (the S3-Rec / ICLRec
 * protocol). Tunes each classic model on the validation split (seeded small search on a user subset),
 * evaluates once on test, and MERGES its rows into bench/results/quality-beauty.json (re-read just
 * before each write: other models write there too). The BPR epoch speed is bench/bpr-epoch.ts.
 * Row keys besides model ids: `pop_fullseq` (LEAKY, whole sequences counted, only to match the published
 * PopRec row) and `pop_trainval` (counted from each sequence minus its test item).
 *
 *   node --import tsx bench/quality.ts [--models pop,itemknn,...] [--trials n] [--ease-lambdas 100,300,1000]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { filterEvents, leaveOneOut, readDataset, type Split } from '../src/data/index.js';
import { evaluate, runEvaluation, tuneModel, type ModelRunResult, type TrialResult } from '../src/eval/index.js';
import { getModelSpec } from '../src/models/index.js';
import { datasetPath } from './datasets.js';

const DATA = datasetPath('amazon-s3rec', 'Beauty.txt');
const OUT = 'bench/results/quality-beauty.json';
const METRICS = ['hr@5', 'ndcg@5', 'hr@10', 'ndcg@10', 'hr@20', 'ndcg@20', 'mrr', 'coverage@10', 'novelty@10', 'ild@10', 'gini@10'];

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'pop,pop_fullseq,itemknn,transition,ease,ials,bpr' },
    trials: { type: 'string', default: '6' },
    'validation-cases': { type: 'string', default: '4000' },
    'ease-max-items': { type: 'string', default: '20000' },
    'ease-lambdas': { type: 'string', default: '100,300,1000' },
    'validate-every': { type: 'string', default: '5' },
    seed: { type: 'string', default: '42' },
  },
});

async function main(): Promise<void> {
  const split = leaveOneOut(readDataset(DATA, { attributesPath: DATA.replace('.txt', '_item2attributes.json') }));
  const seed = Number(args.seed);
  const rows: Record<string, Record<string, number | string | Record<string, unknown>>> = {};
  for (const key of args.models.split(',')) {
    const id = key.startsWith('pop_') ? 'pop' : key;
    const load = loadavg()[0];
    const onTrial = (t: TrialResult): void =>
      console.log(`  ${key} trial ${JSON.stringify(t.params)} val ndcg@10 ${t.validation.toFixed(4)} fit ${t.fitSeconds.toFixed(1)} s`);
    const [result]: ModelRunResult[] =
      key === 'ease'
        ? [await runEase(split, seed, onTrial)]
        : key === 'pop_trainval'
          ? [await runPopTrainVal(split, seed)]
          : await runEvaluation(split, {
              models: [id],
              protocol: 'full',
              metrics: METRICS,
              seed,
              trials: id === 'pop' ? 1 : Number(args.trials),
              maxValidationCases: Number(args['validation-cases']),
              validateEveryEpochs: Number(args['validate-every']),
              fitOnFullSequences: key === 'pop_fullseq',
              onEpoch: (_m, e) =>
                e.validation !== undefined &&
                console.log(
                  `    ${key} epoch ${e.epoch + 1} loss ${e.loss.toFixed(4)} val ${e.validation.toFixed(4)} (${e.seconds.toFixed(1)} s)`,
                ),
              onTrial: (_m, t) => onTrial(t),
            });
    const r = result.test;
    rows[key] = {
      'hr@10': r['hr@10'],
      'ndcg@10': r['ndcg@10'],
      'hr@20': r['hr@20'],
      'ndcg@20': r['ndcg@20'],
      train_s: Number(result.trainSeconds.toFixed(2)),
      'hr@5': r['hr@5'],
      'ndcg@5': r['ndcg@5'],
      mrr: r.mrr,
      'coverage@10': r['coverage@10'],
      'novelty@10': r['novelty@10'],
      'ild@10': r['ild@10'],
      'gini@10': r['gini@10'],
      'validation_ndcg@10': result.validation,
      eval_s: Number(result.testSeconds.toFixed(2)),
      params: result.params,
      trials: result.trials.length,
      load_average_1m: Number(load.toFixed(2)),
      ...(NOTES[key] ? { note: NOTES[key] } : {}),
    };
    console.log(
      `${key}: hr@10 ${r['hr@10'].toFixed(4)} ndcg@10 ${r['ndcg@10'].toFixed(4)} hr@20 ${r['hr@20'].toFixed(4)} ndcg@20 ${r['ndcg@20'].toFixed(4)} train ${result.trainSeconds.toFixed(1)} s`,
    );
    merge(rows);
  }
}

const NOTES: Record<string, string> = {
  pop_fullseq: 'LEAKY: popularity counted over whole sequences incl. test items, as in the published PopRec row',
  pop_trainval: 'popularity counted from each sequence minus its test item (validation item counted); leak-free',
};

/** EASE: one fit per λ (validation only), then the best λ once on test. */
async function runEase(split: Split, seed: number, onTrial: (t: TrialResult) => void): Promise<ModelRunResult> {
  const spec = getModelSpec('ease');
  const trials: TrialResult[] = [];
  let best: Awaited<ReturnType<typeof tuneModel>> | null = null;
  for (const lambda of args['ease-lambdas'].split(',').map(Number)) {
    const tuned = await tuneModel(spec, split, {
      trials: 1,
      seed,
      maxValidationCases: Number(args['validation-cases']),
      fixed: { lambda, maxItems: Number(args['ease-max-items']) },
    });
    trials.push(tuned.best);
    onTrial(tuned.best);
    if (!best || tuned.best.validation > best.best.validation) best = tuned;
  }
  if (!best) throw new Error('--ease-lambdas is empty');
  return testOnce('ease', split, best, trials, seed);
}

/** Popularity counted from every sequence minus its last (test) item; evaluated on test only. */
async function runPopTrainVal(split: Split, seed: number): Promise<ModelRunResult> {
  const { full } = split;
  const trainOn = filterEvents(
    full,
    (u, pos) => {
      const len = full.offsets[u + 1] - full.offsets[u];
      return len < 3 || pos < len - 1;
    },
    { keepEmptyUsers: true },
  );
  const tuned = await tuneModel(getModelSpec('pop'), split, { trials: 1, seed, trainOn });
  return testOnce('pop', split, tuned, tuned.trials, seed);
}

function testOnce(
  model: string,
  split: Split,
  tuned: Awaited<ReturnType<typeof tuneModel>>,
  trials: TrialResult[],
  seed: number,
): ModelRunResult {
  const test = evaluate(tuned.model, split, 'test', { protocol: 'full', metrics: METRICS, seed });
  return {
    model,
    params: tuned.best.params,
    trainSeconds: tuned.best.fitSeconds,
    validation: tuned.best.validation,
    test: test.metrics,
    testSeconds: test.seconds,
    trials,
  };
}

/** Merges our rows into the results file, keeping other models' entries (neural models write there too). */
function merge(rows: Record<string, unknown>): void {
  mkdirSync('bench/results', { recursive: true });
  const previous = existsSync(OUT)
    ? (JSON.parse(readFileSync(OUT, 'utf8')) as { models?: Record<string, unknown>; classic?: Record<string, unknown> })
    : {};
  const doc = {
    dataset: 'amazon-s3rec/Beauty.txt (22,363 users, 12,101 items, 198,502 actions)',
    protocol:
      "leave-one-out; full ranking over all items; the user's history (for test: everything before the test item, incl. the validation item) excluded; pessimistic ties; hyper-parameters chosen on validation",
    models: { ...(previous.models ?? {}), ...rows },
    classic: {
      ...withoutKey(previous.classic ?? {}, 'bprEpochSeconds'),
      bprEpoch: 'bench/results/bpr-epoch.json',
      updated: new Date().toISOString(),
    },
  };
  writeFileSync(OUT, `${JSON.stringify(doc, null, 2)}\n`);
}

function withoutKey(o: Record<string, unknown>, key: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
