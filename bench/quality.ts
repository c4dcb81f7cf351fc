/**
 * Amazon Beauty quality benchmark: leave-one-out, full ranking, history excluded (the S3-Rec / ICLRec
 * protocol). Tunes each classic model on the validation split (seeded small search on a user subset),
 * evaluates once on test, and MERGES its rows into bench/results/quality-beauty.json.
 * Also times one BPR epoch over 1M sampled pairs.
 *
 *   node --import tsx bench/quality.ts [--models pop,itemknn,...] [--trials n] [--ease-max-items n]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createRng } from '../src/core/index.js';
import { leaveOneOut, readDataset, userItemMatrix } from '../src/data/index.js';
import { runEvaluation, type ModelRunResult } from '../src/eval/index.js';
import { bprEpoch } from '../src/models/bpr.js';
import { initFactors } from '../src/models/factors.js';

const DATA = '/work/shared/datasets/amazon-s3rec/Beauty.txt';
const OUT = 'bench/results/quality-beauty.json';
const METRICS = ['hr@5', 'ndcg@5', 'hr@10', 'ndcg@10', 'hr@20', 'ndcg@20', 'mrr', 'coverage@10', 'novelty@10', 'ild@10', 'gini@10'];

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'pop,pop_fullseq,itemknn,transition,ease,ials,bpr' },
    trials: { type: 'string', default: '6' },
    'validation-cases': { type: 'string', default: '4000' },
    'ease-max-items': { type: 'string', default: '20000' },
    seed: { type: 'string', default: '42' },
  },
});

function timeBprEpoch(): { pairs: number; seconds: number[] } {
  const ds = readDataset(DATA);
  const m = userItemMatrix(ds);
  const rows = new Int32Array(m.indices.length);
  for (let u = 0; u < m.nRows; u++) rows.fill(u, m.indptr[u], m.indptr[u + 1]);
  const rng = createRng(1);
  const p = { factors: 64, learningRate: 0.05, regularization: 0.001, epochs: 1, initScale: 0.01 };
  const s = { userFactors: initFactors(rng, m.nRows, 64, 0.01), itemFactors: initFactors(rng, m.nCols, 64, 0.01), itemBias: new Float32Array(m.nCols) };
  const seconds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    bprEpoch(m, rows, s, { p, rng, pairs: 1_000_000 });
    seconds.push((performance.now() - t) / 1000);
  }
  return { pairs: 1_000_000, seconds };
}

async function main(): Promise<void> {
  const bpr = timeBprEpoch();
  const sorted = [...bpr.seconds].sort((a, b) => a - b);
  console.log(`BPR epoch, 1M pairs, d=64, one core: median ${sorted[2].toFixed(3)} s (runs ${bpr.seconds.map((s) => s.toFixed(3)).join(', ')})`);

  const split = leaveOneOut(readDataset(DATA, { attributesPath: DATA.replace('.txt', '_item2attributes.json') }));
  const seed = Number(args.seed);
  const rows: Record<string, Record<string, number | string | Record<string, unknown>>> = {};
  for (const key of args.models.split(',')) {
    const id = key === 'pop_fullseq' ? 'pop' : key;
    const [result]: ModelRunResult[] = await runEvaluation(split, {
      models: [id],
      protocol: 'full',
      metrics: METRICS,
      seed,
      trials: id === 'pop' || id === 'ease' ? 1 : Number(args.trials),
      maxValidationCases: Number(args['validation-cases']),
      validateEveryEpochs: 5,
      params: { ease: { maxItems: Number(args['ease-max-items']) }, bpr: {}, ials: {} },
      fitOnFullSequences: key === 'pop_fullseq',
      onEpoch: (_m, e) => e.validation !== undefined && console.log(`    ${key} epoch ${e.epoch + 1} loss ${e.loss.toFixed(4)} val ${e.validation.toFixed(4)} (${e.seconds.toFixed(1)} s)`),
      onTrial: (_m, t) => console.log(`  ${key} trial ${JSON.stringify(t.params)} val ndcg@10 ${t.validation.toFixed(4)} fit ${t.fitSeconds.toFixed(1)} s`),
    });
    const r = result.test;
    rows[key] = {
      'hr@10': r['hr@10'], 'ndcg@10': r['ndcg@10'], 'hr@20': r['hr@20'], 'ndcg@20': r['ndcg@20'],
      train_s: Number(result.trainSeconds.toFixed(2)),
      'hr@5': r['hr@5'], 'ndcg@5': r['ndcg@5'], mrr: r.mrr,
      'coverage@10': r['coverage@10'], 'novelty@10': r['novelty@10'], 'ild@10': r['ild@10'], 'gini@10': r['gini@10'],
      'validation_ndcg@10': result.validation,
      eval_s: Number(result.testSeconds.toFixed(2)),
      params: result.params,
      ...(key === 'pop_fullseq' ? { note: 'LEAKY: popularity counted over whole sequences incl. test items, as in the published PopRec row' } : {}),
    };
    console.log(`${key}: hr@10 ${r['hr@10'].toFixed(4)} ndcg@10 ${r['ndcg@10'].toFixed(4)} hr@20 ${r['hr@20'].toFixed(4)} ndcg@20 ${r['ndcg@20'].toFixed(4)} train ${result.trainSeconds.toFixed(1)} s`);
    merge(rows, { bprEpochSeconds: sorted[2] });
  }
}

/** Merges our rows into the results file, keeping other models' entries (neural models write there too). */
function merge(rows: Record<string, unknown>, extra: Record<string, unknown>): void {
  mkdirSync('bench/results', { recursive: true });
  const previous = existsSync(OUT) ? (JSON.parse(readFileSync(OUT, 'utf8')) as { models?: Record<string, unknown>; classic?: Record<string, unknown> }) : {};
  const doc = {
    dataset: 'amazon-s3rec/Beauty.txt (22,363 users, 12,101 items, 198,502 actions)',
    protocol: 'leave-one-out; full ranking over all items; the user\'s history (for test: everything before the test item, incl. the validation item) excluded; pessimistic ties; hyper-parameters chosen on validation',
    models: { ...(previous.models ?? {}), ...rows },
    classic: { ...(previous.classic ?? {}), ...extra, updated: new Date().toISOString() },
  };
  writeFileSync(OUT, `${JSON.stringify(doc, null, 2)}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
