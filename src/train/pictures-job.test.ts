import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../core/index.js';
import type { ImageEncoder } from '../pictures/encoder.js';
import { loadFashionMnist } from '../pictures/fashion-mnist.js';
import { openStore, type Job, type Store, type UploadedPicture } from '../store/index.js';
import { createPictureShopApp, lookPng, shopPictures } from '../../test/support/picture-shop.js';
import type { TestApp } from '../../test/support/test-app.js';
import { encoderGate, heldOut, loadEncoderVersion, pictureTrainingSet, runPicturesJob } from './pictures-job.js';
import { rollbackVersion } from './registry-ops.js';
import { TrainingSupervisor } from './supervisor.js';
import type { JobReporter } from './run-job.js';

const FIXTURE = fileURLToPath(new URL('../../test/fixtures/fashion-mnist/', import.meta.url));
/** A small net that learns the fixture's 600 pictures in a few seconds. */
const SMALL = { widths: [8, 16], dim: 32, epochs: 6, batchSize: 32, learningRate: 5e-3, patience: 6 };
const JOB: Job = {
  id: 'job-pictures-1',
  kind: 'pictures',
  trigger: 'test',
  params: {},
  state: 'running',
  progress: { fraction: 0, step: '' },
  createdAt: new Date(0).toISOString(),
  startedAt: null,
  finishedAt: null,
  worker: null,
  heartbeatAt: null,
  attempts: 1,
  cancelRequested: false,
  log: [],
  result: null,
  error: null,
};

const config = (encoderParams: Record<string, unknown> = SMALL): Config =>
  loadConfig({ env: {}, overrides: { 'pictures.encoderParams': encoderParams } });

function recorder(): JobReporter & { lines: string[]; fractions: number[] } {
  const lines: string[] = [];
  const fractions: number[] = [];
  return { lines, fractions, progress: (f) => fractions.push(f), log: (line) => lines.push(line), remember: async () => undefined };
}

/** Tags by what the article is (a shop's own tags would say such things); `rare` (3 items) is too rare to learn. */
const TAGS: Record<string, string[]> = {
  'T-shirt/top': ['upper body'],
  Pullover: ['upper body', 'warm'],
  Coat: ['upper body', 'warm'],
  Shirt: ['upper body'],
  Sandal: ['footwear'],
  Sneaker: ['footwear'],
  'Ankle boot': ['footwear', 'warm'],
};

/** The fixture's 600 training pictures as items of a shop, each in its Fashion-MNIST category (`limit` of them). */
async function fashionShop(store: Store, limit = 600): Promise<void> {
  const images = loadFashionMnist(FIXTURE, 'train');
  const n = Math.min(limit, images.count);
  const side = images.size * images.size;
  await store.upsertItems(
    Array.from({ length: n }, (_, i) => ({
      id: `fm-${i}`,
      title: `picture ${i}`,
      description: '',
      categoryPath: ['Fashion', images.labelNames[images.labels[i]]],
      tags: [...(TAGS[images.labelNames[images.labels[i]]] ?? []), ...(i < 3 ? ['rare'] : [])],
      brand: null,
      price: null,
      attributes: {},
      available: true,
      createdAt: 0,
    })),
  );
  await store.putItemPictures(
    Array.from({ length: n }, (_, i): UploadedPicture => ({
      kind: 'image',
      itemId: `fm-${i}`,
      size: images.size,
      pixels: Uint8Array.from(images.pixels.subarray(i * side, (i + 1) * side), (v) => Math.round(v * 255)),
      embedding: null,
      encoder: null,
      updatedAt: 0,
    })),
  );
}

let store: Store | null = null;
let app: TestApp | null = null;
afterEach(async () => {
  await store?.close();
  await app?.close();
  store = null;
  app = null;
});

describe('a pictures job', () => {
  it('trains the encoder on the stored pictures labelled by category and promotes it into the pictures track', async () => {
    store = await openStore('sqlite::memory:');
    await fashionShop(store);
    const reporter = recorder();
    const outcome = await runPicturesJob({ store, config: config(), job: JOB, reporter });

    expect(outcome.decision).toBe('promoted');
    const version = await store.servingModelVersion('pictures');
    expect(version).toMatchObject({ id: outcome.versionId, model: 'image-cnn', jobId: JOB.id, state: 'serving' });
    expect(version!.window.items).toBe(600);
    expect(version!.metrics.accuracy).toBeGreaterThan(0.5);
    // The recommender's track is untouched.
    expect(await store.servingModelVersion()).toBeNull();
    // The held-out share is about the configured validation fraction, chosen by item id.
    const held = Array.from({ length: 600 }, (_, i) => `fm-${i}`).filter((id) => heldOut(id, 0.1)).length;
    expect(held).toBeGreaterThan(35);
    expect(held).toBeLessThan(90);
    expect(reporter.lines[0]).toContain(`${600 - held} to train on, ${held} held out, 10 categories, 3 tags`);
    expect(reporter.lines.filter((l) => l.startsWith('epoch ')).length).toBeGreaterThan(0);
    expect(reporter.fractions.at(-1)).toBe(0.9);
    // The stored artifact is the encoder, checked against the registry's checksum, labelled with the category paths.
    const encoder = await loadEncoderVersion(store, version!);
    expect(encoder.labels).toContain('Fashion > Sneaker');
    expect(encoder.labels).toHaveLength(10);
    // The tag head learnt the tags on at least 5 pictures' items, and tells them apart on held-out pictures.
    expect(encoder.tags).toEqual(['footwear', 'upper body', 'warm']);
    expect(version!.metrics['tags:precision@1']).toBeGreaterThan(0.8);
    const probs = encoder.tagProbabilities(loadFashionMnist(FIXTURE, 't10k').pixels.subarray(0, 2 * 784), 2);
    expect(probs).toHaveLength(6);
    for (const p of probs) expect(p).toBeGreaterThanOrEqual(0);
  });

  it('skips without enough pictures of items with a category, or with one category only', async () => {
    store = await openStore('sqlite::memory:');
    await fashionShop(store, 10);
    const few = await runPicturesJob({ store, config: config(), job: JOB, reporter: recorder() });
    expect(few).toMatchObject({ decision: 'skipped', versionId: null });
    expect(few.reason).toMatch(/fewer than 20 pictures/);
    expect(await store.listModelVersions()).toEqual([]);
  });

  it('leaves out pictures of items without a category and of another size', async () => {
    store = await openStore('sqlite::memory:');
    await fashionShop(store, 40);
    await store.upsertItems([{ ...(await store.getItems(['fm-0']))[0], categoryPath: [] }]);
    await store.putItemPictures([
      { kind: 'image', itemId: 'fm-1', size: 8, pixels: new Uint8Array(64), embedding: null, encoder: null, updatedAt: 0 },
    ]);
    const set = await pictureTrainingSet(store, 0.1);
    expect(set).toMatchObject({ unlabelled: 1, otherSize: 1 });
    expect(set!.train.count + set!.validation.count).toBe(38);
    expect(set!.train.size).toBe(28);
  });
});

describe('the trainer', () => {
  it('trains the first encoder by itself once enough pictures are stored, and leaves it to an encoder file when one is set', async () => {
    // A file store: the job runs in a process of its own that opens it too.
    const dir = mkdtempSync(join(tmpdir(), 'curio-first-encoder-'));
    const url = `sqlite:${join(dir, 'shop.db')}`;
    const settings = (encoderPath: string | null) =>
      loadConfig({
        env: {},
        overrides: { 'store.url': url, logLevel: 'silent', 'pictures.encoderParams': SMALL, 'pictures.encoderPath': encoderPath },
      });
    store = await openStore(url);
    // One due check by a trainer that then stops (and gives up the scheduler's lease).
    const look = async (encoderPath: string | null) => {
      const once = new TrainingSupervisor({ store: store!, config: settings(encoderPath), log: () => undefined });
      await once.tick();
      await once.stop();
    };
    let running: TrainingSupervisor | null = null;
    try {
      await fashionShop(store, 19);
      await look(null);
      expect(await store.listJobs()).toEqual([]); // 19 pictures: too few to learn from

      await fashionShop(store, 200);
      await look('/nowhere/encoder.bin');
      expect(await store.listJobs()).toEqual([]); // the file serves: the registry's encoder would not be

      running = new TrainingSupervisor({ store, config: settings(null), log: () => undefined });
      await running.tick(); // queues the job and starts its process
      const [job] = await store.listJobs();
      expect(job).toMatchObject({ kind: 'pictures', trigger: 'no-serving-encoder' });
      const deadline = Date.now() + 180_000;
      for (let state = job.state; state !== 'succeeded'; state = (await store.getJob(job.id))!.state) {
        if (Date.now() > deadline || state === 'failed') throw new Error(`job ${job.id} did not succeed (${state})`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await running.tick();
      }
      expect((await store.servingModelVersion('pictures'))?.jobId).toBe(job.id);
      await running.stop();
      running = null;
      // An encoder serves now: nothing more is queued by itself.
      await look(null);
      expect(await store.listJobs()).toHaveLength(1);
    } finally {
      await running?.stop();
      await store.close();
      store = null;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});

/** A stand-in that calls every picture category `k`: its accuracy is the share of category k. */
function constantEncoder(k: number, labels: readonly string[]): ImageEncoder {
  return {
    size: 28,
    dim: 2,
    labels,
    tags: [],
    tagProbabilities: () => new Float32Array(0),
    embed: (_pixels, count) => new Float32Array(count * 2).fill(Math.SQRT1_2),
    classify: (_pixels, count) => {
      const out = new Float32Array(count * labels.length);
      for (let r = 0; r < count; r++) out[r * labels.length + k] = 1;
      return out;
    },
  };
}

describe('the encoder gate', () => {
  const labels = ['a', 'b', 'c', 'd'];
  // 60% category 0, 40% category 1.
  const validation = {
    size: 28,
    count: 10,
    pixels: new Float32Array(10 * 784),
    labels: Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 1]),
    labelNames: labels,
  };

  it('refuses a candidate worse than the serving encoder beyond the tolerance, and passes one within it', () => {
    const worse = encoderGate(constantEncoder(1, labels), { encoder: constantEncoder(0, labels), id: 'mv-old' }, validation, 0.02);
    expect(worse.pass).toBe(false);
    expect(worse.metrics).toEqual({ accuracy: 0.4, 'serving:accuracy': 0.6 });
    expect(worse.summary).toMatch(/worse, not promoted/);
    const better = encoderGate(constantEncoder(0, labels), { encoder: constantEncoder(1, labels), id: 'mv-old' }, validation, 0.02);
    expect(better.pass).toBe(true);
    expect(encoderGate(constantEncoder(1, labels), { encoder: constantEncoder(0, labels), id: 'mv-old' }, validation, 0.5).pass).toBe(true);
  });

  it('passes when nothing serves or the categories changed: there is nothing to compare with', () => {
    expect(encoderGate(constantEncoder(1, labels), null, validation, 0).pass).toBe(true);
    const other = encoderGate(constantEncoder(1, labels), { encoder: constantEncoder(0, ['a', 'b', 'c']), id: 'mv-old' }, validation, 0);
    expect(other.pass).toBe(true);
    expect(other.summary).toMatch(/categories changed since mv-old/);
  });
});

describe('a server without an encoder file', () => {
  const pictureOf = async (t: TestApp, id: string) => (await t.call('read', { method: 'GET', url: `/v1/items/${id}/picture` })).json();
  const until = async (what: () => Promise<boolean>): Promise<void> => {
    for (let waited = 0; !(await what()); waited += 25) {
      if (waited > 10_000) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  it('follows the registry: a promoted encoder embeds the stored pictures and serves similar items; a rollback returns to the earlier one', async () => {
    // A third of the 40 pictures held out, so the gate has some to compare the encoders on.
    app = await createPictureShopApp({
      encoder: null,
      overrides: { 'training.pollMs': 50, 'training.validationFraction': 0.3, 'pictures.encoderParams': SMALL },
    });
    const t = app;
    for (const p of shopPictures()) {
      const res = await t.call('ingest', {
        method: 'PUT',
        url: `/v1/items/${p.itemId}/picture`,
        payload: await lookPng(p.look, p.variant),
        headers: { 'content-type': 'image/png' },
      });
      expect(res.statusCode).toBe(200);
    }
    expect(await pictureOf(t, 'tea-1')).toMatchObject({ encoder: null, dim: null });
    expect((await t.call('read', { method: 'GET', url: '/v1/items/tea-1/similar?by=picture&n=5' })).statusCode).toBe(404);

    const first = await runPicturesJob({ store: t.store, config: t.config, job: JOB, reporter: recorder() });
    expect(first.decision).toBe('promoted');
    await until(async () => (await pictureOf(t, 'tea-1')).encoder === first.versionId);
    const similar = await t.call('read', { method: 'GET', url: '/v1/items/tea-1/similar?by=picture&n=5' });
    expect(similar.statusCode).toBe(200);
    const ids = (similar.json() as { items: Array<{ itemId: string }> }).items.map((i) => i.itemId);
    expect(ids.filter((id) => id.startsWith('tea-')).length).toBeGreaterThanOrEqual(4);

    // The admin API lists it on its track, beside the recommender's (none here).
    const listed = (await t.call('admin', { method: 'GET', url: '/v1/admin/models?track=pictures' })).json() as {
      servingEncoder: string;
      versions: Array<{ id: string; track: string }>;
    };
    expect(listed.servingEncoder).toBe(first.versionId);
    expect(listed.versions).toEqual([expect.objectContaining({ id: first.versionId, track: 'pictures' })]);

    // A second version serves (tolerance 1: the gate passes it whatever it scores); rolling the pictures
    // track back returns the server to the first.
    const lenient = { ...t.config, training: { ...t.config.training, tolerance: 1 } };
    const second = await runPicturesJob({ store: t.store, config: lenient, job: { ...JOB, id: 'job-pictures-2' }, reporter: recorder() });
    expect(second.decision).toBe('promoted');
    expect((await t.store.getModelVersion(second.versionId!))?.metrics['serving:accuracy']).toBeGreaterThan(0);
    await until(async () => (await pictureOf(t, 'tea-1')).encoder === second.versionId);
    const back = await t.call('admin', { method: 'POST', url: '/v1/admin/models/rollback?track=pictures' });
    expect(back.statusCode).toBe(200);
    expect(back.json()).toMatchObject({ from: second.versionId, to: { id: first.versionId, track: 'pictures', state: 'serving' } });
    await until(async () => (await pictureOf(t, 'tea-1')).encoder === first.versionId);
    // Rolling back the recommendations track has nothing to return to: the encoders are not its versions.
    await expect(rollbackVersion(t.store)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
