/**
 * Item pictures in use, with the image encoder trained here (never a stand-in):
 *  - shop by photo: 1,000 Fashion-MNIST test pictures sent as PNG photos to POST /v1/recommendations/by-picture
 *    against a catalogue of 10,000 other Fashion-MNIST pictures (one item each, category = its class):
 *    precision@10 of same-category products, request latency p50/p99, and its parts (decode, encode, search);
 *  - similar-by-picture (GET /v1/items/:id/similar?by=picture) precision@10 on 1,000 catalogue items;
 *  - the time to ingest the 10,000 pictures one PUT /v1/items/:id/picture at a time (a SQLite file store);
 *  - cold start on the demo shop (the simulator with visual taste): HR@10 over test-period interactions with
 *    pictured items that had no events at training time, ranked among all such items by curio-seq's user
 *    vector against their vectors from attributes only (the category) or from pictures (the ridge projection
 *    serving uses, src/pictures/projection.ts).
 * Writes the `uses` section of bench/results/pictures.json.
 *
 *   node --import tsx bench/pictures/uses.ts
 * Env: CURIO_FASHION_MNIST_DIR (default Debian's dir); CURIO_ENCODER_PATH (a saved encoder to use instead of
 * training one); CURIO_ENCODER_BUDGET_SECONDS (training budget, default 600); CURIO_ENCODER_TRAIN (pictures, default 20000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProgress, createRng, loadConfig, type Event } from '../../src/core/index.js';
import { datasetFromStore, itemAttributeNames, userSequence } from '../../src/data/index.js';
import { createShop } from '../../src/eval/index.js';
import { curioSeqModel } from '../../src/models/curio-seq.js';
import { isSequentialRecommender } from '../../src/models/index.js';
import { saveImageEncoder, trainImageEncoder, type ImageEncoder } from '../../src/pictures/encoder.js';
import { accuracy } from '../../src/pictures/encoder-train.js';
import { FASHION_MNIST_DEFAULT_DIR, FASHION_MNIST_LABELS, loadFashionMnist } from '../../src/pictures/fashion-mnist.js';
import { decodePicture, encodePng, fitVisualProjection, loadEncoderFile, pixelsToInput } from '../../src/pictures/index.js';
import { PictureCatalogue } from '../../src/recommend/index.js';
import { createApp } from '../../src/serve/app.js';
import { openStore } from '../../src/store/index.js';
import { mergeRow } from '../results-file.js';

const dir = process.env.CURIO_FASHION_MNIST_DIR ?? FASHION_MNIST_DEFAULT_DIR;
const budgetSeconds = Number(process.env.CURIO_ENCODER_BUDGET_SECONDS ?? 600);
const trainCount = Number(process.env.CURIO_ENCODER_TRAIN ?? 20_000);
const CATALOGUE = 10_000;
const QUERIES = 1_000;
const K = 10;
const TARGET_PRECISION = 0.85;
/** The demo shop of the cold-start measurement (CURIO_COLD_USERS / CURIO_COLD_ITEMS scale it) and the model fitted on it. */
const COLD_SHOP = { users: Number(process.env.CURIO_COLD_USERS ?? 2000), items: Number(process.env.CURIO_COLD_ITEMS ?? 2000) };
const COLD_MODEL = { dim: 32, maxLen: 20, epochs: 10 };

const round = (x: number, digits = 4): number => Number(x.toFixed(digits));
const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const load = () => loadavg().map((v) => round(v, 2));
const loadStart = load();
const log = (line: string) => console.log(line);

const train = loadFashionMnist(dir, 'train');
const test = loadFashionMnist(dir, 't10k');
const area = train.size * train.size;
const bytesOf = (pixels: Float32Array, k: number) => Uint8Array.from(pixels.subarray(k * area, (k + 1) * area), (v) => Math.round(v * 255));

const parts = (process.env.CURIO_PICTURES_PARTS ?? 'photo,cold').split(',');
const common = {
  cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
  load_average_start: loadStart,
  date: new Date().toISOString().slice(0, 10),
};
const DATASET = 'fashion-mnist (Zalando, MIT) and the simulated demo shop with visual taste';
const { encoder, encoderVersion, encoderInfo } = await obtainEncoder();
if (parts.includes('photo')) {
  const row = { encoder: encoderInfo, ...(await measurePhotos()), ...common, load_average_end: load() };
  console.log(JSON.stringify(row, null, 2));
  mergeRow('bench/results/pictures.json', 'uses', 'shop-by-photo', row, DATASET);
}
if (parts.includes('cold')) {
  const row = { encoder: encoderInfo, ...(await measureColdStart()), ...common, load_average_end: load() };
  console.log(JSON.stringify(row, null, 2));
  mergeRow('bench/results/pictures.json', 'uses', 'cold-start', row, DATASET);
}

/** The encoder: read from CURIO_ENCODER_PATH, or trained here on the first training pictures (the catalogue uses the last 10,000). */
async function obtainEncoder(): Promise<{ encoder: ImageEncoder; encoderVersion: string; encoderInfo: Record<string, unknown> }> {
  if (process.env.CURIO_ENCODER_PATH) {
    const loaded = loadEncoderFile(process.env.CURIO_ENCODER_PATH);
    return {
      encoder: loaded.encoder,
      encoderVersion: loaded.version,
      encoderInfo: { source: 'file', test_accuracy: round(accuracy(loaded.encoder, test)) },
    };
  }
  const n = Math.min(trainCount, train.count - CATALOGUE);
  const subset = { ...train, count: n, pixels: train.pixels.subarray(0, n * area), labels: train.labels.subarray(0, n) };
  const progress = createProgress({ label: 'image encoder', unit: 'pictures', fields: ['loss'] });
  const fit = trainImageEncoder(subset, { epochs: 8 }, { seed: 0, progress, maxTrainSeconds: budgetSeconds });
  progress.stop();
  const path = join(mkdtempSync(join(tmpdir(), 'curio-encoder-')), 'bench.image-encoder');
  saveImageEncoder(fit.encoder, path);
  const encoderInfo = {
    source: 'trained by this run',
    train_pictures: n,
    budget_seconds: budgetSeconds,
    epochs_run: fit.epochsRun,
    train_seconds: Math.round(fit.seconds),
    test_accuracy: round(accuracy(fit.encoder, test)),
  };
  log(
    `encoder: test accuracy ${encoderInfo.test_accuracy} after ${fit.epochsRun} epochs, ${Math.round(fit.seconds)} s (saved to ${path}; CURIO_ENCODER_PATH reuses it)`,
  );
  return { encoder: fit.encoder, encoderVersion: loadEncoderFile(path).version, encoderInfo };
}

/** Shop by photo, similar-by-picture and ingest, through the API over a SQLite file store. */
async function measurePhotos(): Promise<Record<string, unknown>> {
  // ---- Catalogue: the last 10,000 training pictures, each an item in the category of its class.
  const storeDir = mkdtempSync(join(tmpdir(), 'curio-pictures-bench-'));
  const store = await openStore(`sqlite:${join(storeDir, 'bench.db')}`);
  const first = train.count - CATALOGUE;
  const itemClass = new Map<string, number>();
  const items = Array.from({ length: CATALOGUE }, (_, k) => {
    const label = train.labels[first + k];
    itemClass.set(`p${k}`, label);
    return {
      id: `p${k}`,
      title: `Picture ${k}`,
      description: '',
      categoryPath: ['Fashion', FASHION_MNIST_LABELS[label]],
      tags: [],
      brand: null,
      price: 10,
      attributes: {},
      available: true,
      createdAt: Date.UTC(2024, 0, 1),
    };
  });
  await store.upsertItems(items);
  const config = loadConfig({
    env: { CURIO_LOG_LEVEL: 'silent' },
    overrides: { 'auth.disabled': true, 'training.worker': false, 'serving.refreshIntervalSeconds': 0, 'serving.seed': 1 },
  });
  const app = createApp({ config, store, processMetrics: false, imageEncoder: { encoder, version: encoderVersion } });
  await app.ready();

  const pngs = await Promise.all(Array.from({ length: CATALOGUE }, (_, k) => encodePng(bytesOf(train.pixels, first + k), train.size)));
  const ingestProgress = createProgress({ label: 'ingest pictures', unit: 'pictures', total: CATALOGUE });
  const ingestStart = performance.now();
  for (let k = 0; k < CATALOGUE; k++) {
    const res = await app.inject({
      method: 'PUT',
      url: `/v1/items/p${k}/picture`,
      payload: pngs[k],
      headers: { 'content-type': 'image/png' },
    });
    if (res.statusCode !== 200) throw new Error(`upload p${k}: ${res.statusCode} ${res.body}`);
    ingestProgress.tick(1);
  }
  const ingestSeconds = (performance.now() - ingestStart) / 1000;
  ingestProgress.stop();
  log(`ingested ${CATALOGUE} pictures in ${ingestSeconds.toFixed(1)} s`);

  // ---- Shop by photo: test pictures as PNG uploads.
  const queryPngs = await Promise.all(Array.from({ length: QUERIES }, (_, q) => encodePng(bytesOf(test.pixels, q), test.size)));
  const latencies: number[] = [];
  let hits = 0;
  for (let q = 0; q < QUERIES; q++) {
    const t0 = performance.now();
    const res = await app.inject({
      method: 'POST',
      url: `/v1/recommendations/by-picture?n=${K}&explore=0`,
      payload: queryPngs[q],
      headers: { 'content-type': 'image/png' },
    });
    latencies.push(performance.now() - t0);
    if (res.statusCode !== 200) throw new Error(`by-picture: ${res.statusCode} ${res.body}`);
    const body = res.json() as { items: Array<{ itemId: string }> };
    hits += body.items.filter((i) => itemClass.get(i.itemId) === test.labels[q]).length;
  }
  const byPicturePrecision = hits / (QUERIES * K);

  // Its parts, timed apart on the same photos: decode (sharp), encode (the CNN, one picture), search (the visual index,
  // a catalogue loaded from the same store as the server's).
  const parts = { decode: [] as number[], encode: [] as number[], search: [] as number[] };
  const catalogue = new PictureCatalogue({ store, settings: config.pictures, encoder: () => ({ encoder, version: encoderVersion }) });
  await catalogue.start();
  const visual = catalogue.index('picture')!;
  for (let q = 0; q < QUERIES; q++) {
    let t = performance.now();
    const decoded = await decodePicture(queryPngs[q], { size: encoder.size, maxPixels: config.pictures.maxPixels });
    parts.decode.push(performance.now() - t);
    t = performance.now();
    const vector = encoder.embed(pixelsToInput(decoded.pixels), 1);
    parts.encode.push(performance.now() - t);
    t = performance.now();
    visual.search(vector, 50);
    parts.search.push(performance.now() - t);
  }

  // ---- The same search through the HNSW graph (what a catalogue of pictures.annMinItems or more uses): the
  // photos' same-category precision@10 and the graph's recall@10 against the exact search above. The threshold
  // is the catalogue's size, so the one graph built holds every picture (0 would mean never a graph).
  const graphCatalogue = new PictureCatalogue({
    store,
    settings: { ...config.pictures, annMinItems: CATALOGUE },
    encoder: () => ({ encoder, version: encoderVersion }),
  });
  await graphCatalogue.start();
  await graphCatalogue.settled();
  const graph = graphCatalogue.index('picture')!;
  let graphHits = 0;
  let graphRecall = 0;
  const graphSearch: number[] = [];
  for (let q = 0; q < QUERIES; q++) {
    const vector = encoder.embed(test.pixels.slice(q * area, (q + 1) * area), 1);
    const t = performance.now();
    const found = graph.search(vector, K);
    graphSearch.push(performance.now() - t);
    const exact = new Set(visual.search(vector, K).map((h) => h.itemId));
    graphHits += found.filter((h) => itemClass.get(h.itemId) === test.labels[q]).length;
    graphRecall += found.filter((h) => exact.has(h.itemId)).length / K;
  }

  // ---- Similar by picture, on catalogue items.
  let similarHits = 0;
  for (let q = 0; q < QUERIES; q++) {
    const id = `p${q * Math.floor(CATALOGUE / QUERIES)}`;
    const res = await app.inject({ method: 'GET', url: `/v1/items/${id}/similar?by=picture&n=${K}` });
    const body = res.json() as { items: Array<{ itemId: string }> };
    similarHits += body.items.filter((i) => itemClass.get(i.itemId) === itemClass.get(id)).length;
  }
  const similarPrecision = similarHits / (QUERIES * K);
  await app.close();
  await store.close();
  rmSync(storeDir, { recursive: true, force: true });
  log(`by-picture precision@10 ${byPicturePrecision.toFixed(4)}, similar-by-picture precision@10 ${similarPrecision.toFixed(4)}`);
  const ms = (xs: number[]) => ({ p50: round(quantile(xs, 0.5), 2), p99: round(quantile(xs, 0.99), 2) });
  return {
    catalogue_pictures: CATALOGUE,
    queries: QUERIES,
    by_picture_precision_at_10: round(byPicturePrecision),
    target_precision_at_10: TARGET_PRECISION,
    target_met: byPicturePrecision >= TARGET_PRECISION,
    similar_by_picture_precision_at_10: round(similarPrecision),
    by_picture_request_ms: ms(latencies),
    by_picture_parts_ms: { decode: ms(parts.decode), encode: ms(parts.encode), search: ms(parts.search) },
    visual_search: visual.usesAnn ? 'hnsw' : 'exact',
    hnsw: {
      uses_graph: graph.usesAnn,
      by_photo_precision_at_10: round(graphHits / (QUERIES * K)),
      recall_at_10_vs_exact: round(graphRecall / QUERIES),
      search_ms: ms(graphSearch),
    },
    ingest_10000_pictures_seconds: round(ingestSeconds, 1),
    ingest_pictures_per_second: Math.round(CATALOGUE / ingestSeconds),
  };
}

/**
 * The demo shop (visual taste 2), its pictured items half held out as new: their events are dropped before the
 * split, and each test-period click, cart or purchase of one by a shopper with a training history is a case.
 */
async function measureColdStart(): Promise<Record<string, unknown>> {
  const shop = createShop({ seed: 7, users: COLD_SHOP.users, items: COLD_SHOP.items, days: 28, visualTaste: 2 });
  const pictures = shop.pictures(test);
  const rng = createRng(11);
  const cold = new Set(pictures.filter(() => rng.next() < 0.5).map((p) => p.itemId));
  const split = shop.options.startTime + 21 * 86_400_000;
  const all = [...shop.events()];
  const trainEvents = all.filter((e) => e.timestamp < split && !(e.itemId && cold.has(e.itemId)));
  const s = await openStore('sqlite::memory:');
  await s.upsertItems(shop.items);
  for (let i = 0; i < trainEvents.length; i += 5000) await s.appendEvents(trainEvents.slice(i, i + 5000));
  const ds = await datasetFromStore(s, { withCategories: true });
  await s.close();
  log(`cold start: ${trainEvents.length} training events, ${cold.size} held-out pictured items; fitting curio-seq`);
  const t0 = performance.now();
  const model = await curioSeqModel.fit(ds, { ...COLD_MODEL, attributes: true }, { seed: 3 });
  if (!isSequentialRecommender(model) || !model.coldItemVectors) throw new Error('curio-seq lacks cold item vectors');
  log(`curio-seq fitted in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const dim = model.embeddingDim;
  // Visual embeddings of every pictured item, by the encoder.
  const input = new Float32Array(pictures.length * area);
  pictures.forEach((p, k) => pixelsToInput(p.pixels, input, k * area));
  const embeddings = encoder.embed(input, pictures.length);
  const vOf = new Map(pictures.map((p, k) => [p.itemId, embeddings.subarray(k * encoder.dim, (k + 1) * encoder.dim)]));
  // As serving does it (ColdItems): the projection learns what the warm pictured items' vectors hold beyond
  // their category's vector; a cold item with a picture gets its category's vector plus its look's projection.
  const itemEmb = model.itemEmbeddings();
  const itemById = new Map(shop.items.map((i) => [i.id, i]));
  const attributesOf = (ids: string[]) => model.coldItemVectors!(ids.map((id) => itemAttributeNames(itemById.get(id)!)));
  const warm = ds.items.map((id, j) => [id, j] as const).filter(([id]) => vOf.has(id) && !cold.has(id));
  const warmAttributes = attributesOf(warm.map(([id]) => id));
  const projection = fitVisualProjection({
    visual: Float32Array.from(warm.flatMap(([id]) => Array.from(vOf.get(id)!))),
    model: Float32Array.from(
      warm.flatMap(([, j], r) => Array.from(itemEmb.subarray(j * dim, (j + 1) * dim), (v, d) => v - warmAttributes[r * dim + d])),
    ),
    count: warm.length,
    visualDim: encoder.dim,
    modelDim: dim,
    // Serving's default (λ chosen by cross-validation on the warm items) unless CURIO_PROJECTION_RIDGE fixes one (to compare settings).
    ...(process.env.CURIO_PROJECTION_RIDGE ? { ridge: Number(process.env.CURIO_PROJECTION_RIDGE) } : {}),
  });
  if (!projection) throw new Error('too few warm pictured items for a projection');
  const coldIds = [...cold];
  const byAttributes = attributesOf(coldIds);
  const byPictures = new Float32Array(coldIds.length * dim);
  // Each category's mean projection over its warm pictured items is taken off, so the pictures reorder items
  // within a category and leave the category's own score (what the attributes already say) as it was.
  const categoryMean = new Map<string, { sum: Float32Array; n: number }>();
  warm.forEach(([id]) => {
    const key = itemById.get(id)!.categoryPath.join('/');
    const entry = categoryMean.get(key) ?? { sum: new Float32Array(dim), n: 0 };
    projection.project(vOf.get(id)!).forEach((v, d) => (entry.sum[d] += v));
    entry.n++;
    categoryMean.set(key, entry);
  });
  coldIds.forEach((id, k) => {
    const mean = categoryMean.get(itemById.get(id)!.categoryPath.join('/'));
    const projected = projection.project(vOf.get(id)!);
    byPictures.set(
      projected.map((v, d) => v - (mean ? mean.sum[d] / mean.n : 0) + byAttributes[k * dim + d]),
      k * dim,
    );
  });
  const userIndex = new Map(ds.users.map((u, k) => [u, k]));
  const cases = all.filter(
    (e): e is Event & { itemId: string } =>
      e.timestamp >= split &&
      e.itemId !== null &&
      cold.has(e.itemId) &&
      ['click', 'cart', 'purchase'].includes(e.type) &&
      userIndex.has(e.userId),
  );
  // Ties (items of one category share their attribute vector) are broken by one random order, the same for both arms.
  const tieOrder = new Map(coldIds.map((id) => [id, rng.next()]));
  const hr = { attributes: 0, pictures: 0 };
  // Within the target's subcategory (where attributes alone cannot order the items): HR@3.
  const hrWithin = { attributes: 0, pictures: 0 };
  const subOf = (id: string) => itemById.get(id)!.categoryPath.join('/');
  for (const c of cases) {
    const h = model.userVector(userSequence(ds, userIndex.get(c.userId)!));
    for (const [arm, vectors] of [
      ['attributes', byAttributes],
      ['pictures', byPictures],
    ] as const) {
      const scores = coldIds.map((id, k) => {
        let s = 0;
        for (let d = 0; d < dim; d++) s += h[d] * vectors[k * dim + d];
        return { id, s };
      });
      scores.sort((a, b) => b.s - a.s || tieOrder.get(a.id)! - tieOrder.get(b.id)!);
      if (scores.slice(0, K).some((x) => x.id === c.itemId)) hr[arm]++;
      const within = scores.filter((x) => subOf(x.id) === subOf(c.itemId));
      if (within.slice(0, 3).some((x) => x.id === c.itemId)) hrWithin[arm]++;
    }
  }
  const n = cases.length;
  const out = {
    shop: { ...COLD_SHOP, days: 28, visual_taste: 2, test_days: 7 },
    model: { id: 'curio-seq', ...COLD_MODEL },
    cold_items: coldIds.length,
    cases: n,
    hr_at_10_attributes_only: round(hr.attributes / n),
    hr_at_10_pictures: round(hr.pictures / n),
    hr_at_10_random: round(K / coldIds.length),
    pictures_over_attributes: round(hr.pictures / Math.max(1, hr.attributes), 3),
    hr_at_3_within_subcategory_attributes_only: round(hrWithin.attributes / n),
    hr_at_3_within_subcategory_pictures: round(hrWithin.pictures / n),
    projection_items: projection.count,
    projection_ridge: projection.ridge,
    projection_ridge_chosen_by: process.env.CURIO_PROJECTION_RIDGE ? 'CURIO_PROJECTION_RIDGE' : 'cross-validation on the warm items',
  };
  log(`cold start: HR@10 attributes ${out.hr_at_10_attributes_only}, pictures ${out.hr_at_10_pictures} over ${n} cases`);
  return out;
}

// After the photo part, a handle not yet tracked down keeps the event loop alive although the app and its store
// are closed (the cold-start part alone exits by itself); the figures are written, so end here.
process.exit(0);
