// Auto-tagging on real data: Amazon Grocery level-2 categories (ReChorus item_meta.csv; no titles, so the
// features are behavioural co-occurrence from train.csv) and Amazon Beauty attribute ids (S3-Rec, with
// Beauty.txt sequences for co-occurrence). Held-out items' labels are hidden from training and from every
// neighbour-label feature. Beside each model: the frequency baseline (most frequent label(s)).
// Run: node --import tsx bench/tagging.ts   → bench/results/tagging.json
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRng, shuffle, type Event, type Item } from '../src/core/index.js';
import { labelScores, mostFrequentLabels, trainTagger, type MultiLabelScores, type TaggerOptions } from '../src/interest/index.js';
import { datasetPath } from './datasets.js';

const T0 = Date.UTC(2014, 0, 1);

function item(id: string, categoryPath: string[], tags: string[]): Item {
  return { id, title: '', description: '', categoryPath, tags, brand: null, price: null, attributes: {}, available: true, createdAt: T0 };
}

function event(n: number, userId: string, itemId: string, timestamp: number): Event {
  return { id: `b${n}`, userId, itemId, type: 'purchase', value: null, timestamp, sessionId: null, context: {} };
}

function grocery(): { items: Item[]; events: Event[] } {
  const meta = readFileSync(datasetPath('amazon-grocery-rechorus', 'item_meta.csv'), 'utf8').trim().split('\n').slice(1);
  const items = meta.map((line) => {
    const [id, cat] = line.split('\t');
    return item(id, cat === '0' ? [] : [cat], []);
  });
  const rows = readFileSync(datasetPath('amazon-grocery-rechorus', 'train.csv'), 'utf8').trim().split('\n').slice(1);
  const events = rows.map((line, n) => {
    const [u, i, t] = line.split('\t');
    return event(n, u, i, Number(t) * 1000);
  });
  return { items, events };
}

function beauty(): { items: Item[]; events: Event[] } {
  const attrs = JSON.parse(readFileSync(datasetPath('amazon-s3rec', 'Beauty_item2attributes.json'), 'utf8')) as Record<string, number[]>;
  const items = Object.entries(attrs).map(([id, a]) => item(id, [], [...new Set(a.map(String))]));
  const events: Event[] = [];
  for (const line of readFileSync(datasetPath('amazon-s3rec', 'Beauty.txt'), 'utf8').trim().split('\n')) {
    const [u, ...seq] = line.trim().split(/\s+/);
    // Order only: the k-th item of a sequence gets time k (minutes), enough for windowed co-occurrence.
    seq.forEach((i, k) => events.push(event(events.length, u, i, T0 + k * 60_000)));
  }
  return { items, events };
}

interface TaskResult {
  model: MultiLabelScores;
  baseline: MultiLabelScores;
  trainItems: number;
  testItems: number;
  seconds: number;
}

/** Trains on all but one fold (that fold's labels hidden) and scores the fold; labels are category or tags. */
function runFold(all: Item[], testIds: Set<string>, events: Event[], field: 'category' | 'tags', options: TaggerOptions): TaskResult {
  const started = performance.now();
  const hidden = all.map((i) => (testIds.has(i.id) ? { ...i, categoryPath: [], tags: [] } : i));
  const tagger = trainTagger(hidden, { ...options, events });
  const test = all.filter((i) => testIds.has(i.id));
  const train = all.filter((i) => !testIds.has(i.id) && (field === 'category' ? i.categoryPath.length > 0 : i.tags.length > 0));
  const truth = test.map((i) => (field === 'category' ? i.categoryPath : i.tags));
  const preds = test.map((i) => tagger.predict({ ...i, categoryPath: [], tags: [] }));
  const predicted = preds.map((p) => (field === 'category' ? (p.category ? [p.category.label] : []) : p.tags.map((t) => t.label)));
  const trainLabels = train.map((i) => (field === 'category' ? i.categoryPath : i.tags));
  const m = field === 'category' ? 1 : Math.max(1, Math.round(trainLabels.reduce((s, l) => s + l.length, 0) / trainLabels.length));
  const base = mostFrequentLabels(trainLabels, m);
  return {
    model: labelScores(truth, predicted),
    baseline: labelScores(
      truth,
      truth.map(() => base),
    ),
    trainItems: train.length,
    testItems: test.length,
    seconds: (performance.now() - started) / 1000,
  };
}

/** k-fold cross-validation over the labelled items (seeded folds); reports per-fold and pooled-mean scores. */
function crossValidate(
  name: string,
  data: { items: Item[]; events: Event[] },
  field: 'category' | 'tags',
  folds: number,
  options: TaggerOptions,
  maxFolds = folds,
) {
  const labelled = data.items.filter((i) => (field === 'category' ? i.categoryPath.length > 0 : i.tags.length > 0)).map((i) => i.id);
  shuffle(labelled, createRng(2024));
  const runs: TaskResult[] = [];
  const foldsRun = Math.min(folds, maxFolds);
  for (let f = 0; f < foldsRun; f++) {
    const testIds = new Set(labelled.filter((_, k) => k % folds === f));
    const r = runFold(data.items, testIds, data.events, field, options);
    console.log(
      `${name} fold ${f + 1}/${foldsRun}: model micro-F1 ${r.model.micro.f1} macro-F1 ${r.model.macro.f1} | baseline micro-F1 ${r.baseline.micro.f1} (${r.seconds.toFixed(1)} s)`,
    );
    runs.push(r);
  }
  const mean = (get: (r: TaskResult) => number) => Math.round((runs.reduce((s, r) => s + get(r), 0) / runs.length) * 10_000) / 10_000;
  const summary = (pick: (r: TaskResult) => MultiLabelScores) => ({
    micro: {
      precision: mean((r) => pick(r).micro.precision),
      recall: mean((r) => pick(r).micro.recall),
      f1: mean((r) => pick(r).micro.f1),
    },
    macro: {
      precision: mean((r) => pick(r).macro.precision),
      recall: mean((r) => pick(r).macro.recall),
      f1: mean((r) => pick(r).macro.f1),
    },
    accuracy: mean((r) => pick(r).accuracy),
  });
  return {
    labelledItems: labelled.length,
    folds: foldsRun,
    model: summary((r) => r.model),
    frequencyBaseline: summary((r) => r.baseline),
    secondsPerFold: mean((r) => r.seconds),
    perFold: runs,
  };
}

const FOLDS = 5;
/** Beauty folds take minutes each (docs/interest.md); TAGGING_BEAUTY_FOLDS=1 runs only the first of the five. */
const BEAUTY_FOLDS = Number(process.env.TAGGING_BEAUTY_FOLDS ?? FOLDS);
const options: TaggerOptions = { seed: 7, minLabelCount: 1, epochs: 10 };
const g = grocery();
const groceryResult = crossValidate('grocery category', g, 'category', FOLDS, options);
const b = beauty();
const beautyResult = crossValidate('beauty attributes', b, 'tags', FOLDS, { ...options, minLabelCount: 3 }, BEAUTY_FOLDS);
const result = {
  method:
    'one-vs-rest logistic (tags) / softmax (category) by SGD over hashed text n-grams + co-occurrence neighbour ids + neighbour labels',
  protocol: 'k-fold cross-validation over labelled items; held-out labels hidden from training and from neighbour-label features',
  options,
  grocery: {
    source: 'amazon-grocery-rechorus item_meta.csv i_category (0 = unknown, excluded) + train.csv co-occurrence',
    ...groceryResult,
  },
  beauty: { source: 'amazon-s3rec Beauty_item2attributes.json + Beauty.txt co-occurrence', ...beautyResult },
  node: process.version,
  measuredAt: new Date().toISOString(),
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/tagging.json', JSON.stringify(result, null, 2) + '\n');
console.log(
  JSON.stringify(
    {
      grocery: { model: groceryResult.model, baseline: groceryResult.frequencyBaseline },
      beauty: { model: beautyResult.model, baseline: beautyResult.frequencyBaseline },
    },
    null,
    2,
  ),
);
