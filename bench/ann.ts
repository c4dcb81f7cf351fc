/**
 * Model candidates at scale: exact dot-product top-100 (what `scoreAll` + `topK` cost per request) against
 * the HNSW index (`AnnIndex`, src/recommend/ann-index.ts) on 200k synthetic clustered item
 * embeddings of 64 dimensions. Reports the build time per graph degree m, the median ms per query of
 * 500 queries, and recall@100 against the exact top-100 at several efSearch values (and with a filter
 * that excludes 10% of the items, as request rules do). For the default m it also saves the graph and loads
 * it back (ann-cache.ts): save time, file size, load time, and a restart's whole cache hit (hashing the
 * embeddings and the file, then loading) against the build. Writes bench/results/ann.json. With `--store`, the
 * vectors are a trained model's instead: the serving version of a SQLite store (one `bench:request-alloc
 * --shop <path>` builds and keeps: bench:serve's shop with two curio-seq versions) and its users' vectors.
 *
 *   node --import tsx bench/ann.ts [--items 200000] [--dim 64] [--queries 500] [--m 32,48] [--ef 50,100,128,200,400]
 *     [--store shop.db --out bench/results/ann-trained.json]   (a trained model's vectors: the store's serving version)
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { topK } from '../src/models/index.js';
import { fingerprintEmbeddings, obtainAnnIndex, writeAnnCache, type AnnMemo } from '../src/recommend/ann-cache.js';
import { AnnIndex, DEFAULT_ANN_PARAMS } from '../src/recommend/ann-index.js';
import { clusteredEmbeddings } from '../test/support/ann-synthetic.js';
import { datasetFromStore } from '../src/data/index.js';
import { isSequentialRecommender } from '../src/models/index.js';
import { openStore } from '../src/store/index.js';
import { loadVersion } from '../src/train/index.js';
import { portablePath } from './datasets.js';

const K = 100;
/** `top10Found`: the share of the exact top 10 among the index's K. */
const TOP_SHOWN = 10;
/** A user's state for a query vector: their newest events, as the server reads them (serving.historyLength). */
const STATE_EVENTS = 30;

const { values: args } = parseArgs({
  options: {
    items: { type: 'string', default: '200000' },
    dim: { type: 'string', default: '64' },
    clusters: { type: 'string', default: '500' },
    queries: { type: 'string', default: '500' },
    m: { type: 'string', default: '32,48' },
    ef: { type: 'string', default: '50,100,128,200,400' },
    /** A SQLite store with a serving embedding model: its item vectors and its users' vectors instead of synthetic ones. */
    store: { type: 'string' },
    out: { type: 'string', default: 'bench/results/ann.json' },
  },
});
const OUT = args.out;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

/** Today's exact path: every item's dot product (the loop of the model's `scoreAll`) and `topK`. */
function exactTop(embeddings: Float32Array, dim: number, q: Float32Array, scores: Float32Array, excluded?: Uint8Array): Int32Array {
  for (let j = 0; j < scores.length; j++) {
    let s = 0;
    const o = j * dim;
    for (let d = 0; d < dim; d++) s += q[d] * embeddings[o + d];
    scores[j] = s;
  }
  return topK(scores, K, excluded);
}

/** Request rules as filters: a few exclusions, half the catalogue out, a narrow category (exact fallback). */
const FILTERS = [
  { name: '10% excluded', allowed: (i: number) => i % 10 !== 3 },
  { name: '50% excluded', allowed: (i: number) => i % 2 === 0 },
  { name: '2% allowed', allowed: (i: number) => i % 50 === 7 },
];
const FILTER_QUERIES = 200;

/** The exact top-K of each query, best first. */
type Truth = Int32Array[];

/**
 * Median ms per query, recall@K of `search` against the exact top-K, and the share of the exact top
 * TOP_SHOWN among its K (the items a slate shows come from the top of the candidates).
 */
function measure(queries: Float32Array[], truth: Truth, search: (q: Float32Array) => number[]) {
  const times: number[] = [];
  let found = 0;
  let foundTop = 0;
  queries.forEach((q, j) => {
    const t0 = performance.now();
    const got = new Set(search(q));
    times.push(performance.now() - t0);
    truth[j].forEach((i, rank) => {
      if (!got.has(i)) return;
      found++;
      if (rank < TOP_SHOWN) foundTop++;
    });
  });
  return {
    msPerQuery: round(median(times)),
    recall: round(found / (K * queries.length), 4),
    top10Found: round(foundTop / (TOP_SHOWN * queries.length), 4),
  };
}

const seconds = async <T>(run: () => Promise<T>): Promise<{ value: T; seconds: number }> => {
  const t0 = performance.now();
  const value = await run();
  return { value, seconds: (performance.now() - t0) / 1000 };
};

/** Saves `index` and loads it back, raw (hnswlib) and through the cache (what a restart and a refresh do). */
async function persistence(index: AnnIndex, embeddings: Float32Array, queries: Float32Array[]) {
  const dir = mkdtempSync(join(tmpdir(), 'curio-bench-ann-'));
  try {
    const { dim, params } = index;
    const raw = join(dir, 'raw.hnsw');
    const save = await seconds(() => index.save(raw));
    const load = await seconds(() => AnnIndex.load({ path: raw, embeddings, dim, params }));
    const fingerprint = await seconds(() => fingerprintEmbeddings(embeddings));
    const cached = join(dir, 'model.curio.hnsw');
    const write = await seconds(() => writeAnnCache(index, cached, fingerprint.value));
    const memo: AnnMemo = {};
    const obtain = () =>
      obtainAnnIndex({ embeddings: embeddings.slice(), dim, params, path: cached, memo, warn: (m, e) => console.warn(m, e) });
    const restart = await obtain();
    const refresh = await obtain();
    if (restart.source !== 'file' || refresh.source !== 'memory')
      throw new Error(`expected a file then a memory hit, got ${restart.source}, ${refresh.source}`);
    const same = queries.filter((q) => JSON.stringify(restart.index.search(q, K)) === JSON.stringify(index.search(q, K))).length;
    const out = {
      m: params.m,
      fileBytes: statSync(raw).size,
      bytesPerItem: round(statSync(raw).size / index.size, 1),
      saveSeconds: round(save.seconds, 2),
      loadSeconds: round(load.seconds, 2),
      fingerprintSeconds: round(fingerprint.seconds, 3),
      cacheWriteSeconds: round(write.seconds, 2),
      restartSeconds: round(restart.seconds, 2),
      refreshSeconds: round(refresh.seconds, 3),
      queriesWithIdenticalTopK: `${same}/${queries.length}`,
    };
    console.log(
      `m=${out.m} persistence: file ${round(out.fileBytes / 1e6, 1)} MB (${out.bytesPerItem} B/item); save ${out.saveSeconds} s, load ${out.loadSeconds} s;` +
        ` with the cache: write ${out.cacheWriteSeconds} s, restart (hash + load) ${out.restartSeconds} s, refresh (hash, reuse) ${out.refreshSeconds} s;` +
        ` identical top-${K} for ${out.queriesWithIdenticalTopK} queries`,
    );
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A trained model's item vectors and user vectors: the serving version of the store at `path` (an
 * embedding model such as curio-seq), queried with the vectors of users spread through the store (each
 * one's newest events as the state), as a request asks the index.
 */
async function trainedEmbeddings(path: string, count: number) {
  const store = await openStore(`sqlite:${path}`);
  try {
    const version = await store.servingModelVersion();
    if (!version) throw new Error(`--store ${path}: no version serves`);
    const { model, itemIds } = await loadVersion(store, version);
    if (!isSequentialRecommender(model)) throw new Error(`--store ${path}: the serving ${version.model} has no item embeddings`);
    const row = new Map(itemIds.map((id, i) => [id, i]));
    const data = await datasetFromStore(store);
    const users = data.users.length;
    const queries: Float32Array[] = [];
    const stride = Math.max(1, Math.floor(users / count));
    for (let u = 0; u < users && queries.length < count; u += stride) {
      const items: number[] = [];
      for (let k = Math.max(data.offsets[u], data.offsets[u + 1] - STATE_EVENTS); k < data.offsets[u + 1]; k++) {
        const i = row.get(data.items[data.itemIdx[k]]);
        if (i !== undefined) items.push(i);
      }
      if (items.length > 0) queries.push(model.userVector({ items: Int32Array.from(items) }));
    }
    return {
      embeddings: model.itemEmbeddings(),
      dim: model.embeddingDim,
      queries,
      source: `${version.model} version ${version.id} of ${portablePath(path)} (${model.nItems} items), users' vectors from their newest ${STATE_EVENTS} events`,
    };
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const trained = args.store ? await trainedEmbeddings(args.store, Number(args.queries)) : null;
  const { embeddings, queries } =
    trained ??
    clusteredEmbeddings({
      items: Number(args.items),
      dim: Number(args.dim),
      clusters: Number(args.clusters),
      seed: 1,
      queries: Number(args.queries),
    });
  const dim = trained?.dim ?? Number(args.dim);
  const items = embeddings.length / dim;
  const scores = new Float32Array(items);
  const exactTimes: number[] = [];
  const truth = queries.map((q) => {
    const t0 = performance.now();
    const top = exactTop(embeddings, dim, q, scores);
    exactTimes.push(performance.now() - t0);
    return top;
  });
  const exactMs = round(median(exactTimes));
  console.log(`exact top-${K} over ${items} × ${dim}: ${exactMs} ms/query (median of ${queries.length})`);
  const filtered = FILTERS.map((f) => {
    const excluded = Uint8Array.from({ length: items }, (_, i) => (f.allowed(i) ? 0 : 1));
    return { ...f, truth: queries.slice(0, FILTER_QUERIES).map((q) => exactTop(embeddings, dim, q, scores, excluded)) };
  });
  const graphs = [];
  let persisted: Awaited<ReturnType<typeof persistence>> | null = null;
  for (const m of args.m.split(',').map(Number)) {
    const index = await AnnIndex.build({ embeddings, dim, params: { m } });
    console.log(`m=${m} efConstruction=${index.params.efConstruction}: built in ${round(index.origin.seconds, 1)} s`);
    const byEf = [];
    for (const ef of args.ef.split(',').map(Number)) {
      index.setEfSearch(ef);
      const plain = measure(queries, truth, (q) => index.search(q, K).map((h) => h.index));
      console.log(`  efSearch=${ef}: ${plain.msPerQuery} ms/query, recall@${K} ${plain.recall}, exact top 10 found ${plain.top10Found}`);
      byEf.push({ efSearch: ef, ...plain });
    }
    index.setEfSearch(DEFAULT_ANN_PARAMS.efSearch);
    const byFilter = filtered.map((f) => {
      const r = measure(queries.slice(0, FILTER_QUERIES), f.truth, (q) => index.search(q, K, f.allowed).map((h) => h.index));
      console.log(`  efSearch=${DEFAULT_ANN_PARAMS.efSearch}, ${f.name}: ${r.msPerQuery} ms/query, recall@${K} ${r.recall}`);
      return { filter: f.name, ...r };
    });
    if (m === DEFAULT_ANN_PARAMS.m) persisted = await persistence(index, embeddings, queries);
    graphs.push({
      m,
      efConstruction: index.params.efConstruction,
      buildSeconds: round(index.origin.seconds, 1),
      byEfSearch: byEf,
      filtered: { efSearch: DEFAULT_ANN_PARAMS.efSearch, queries: FILTER_QUERIES, byFilter },
    });
  }
  const result = {
    bench: 'ann',
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadavg1: round(loadavg()[0], 2),
    data: {
      items,
      dim,
      ...(trained ? {} : { clusters: Number(args.clusters) }),
      queries: queries.length,
      k: K,
      generator: trained?.source ?? 'clusteredEmbeddings (test/support/ann-synthetic.ts), seed 1',
    },
    exact: { msPerQuery: exactMs },
    defaults: DEFAULT_ANN_PARAMS,
    graphs,
    persistence: persisted && { ...persisted, buildSeconds: graphs.find((g) => g.m === persisted?.m)?.buildSeconds },
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${OUT}`);
}

await main();
