// Bytes of SQLite file per served slate, with impressions logged as one event per slot ('events') and as one
// record per slate ('slate'): `npm run bench:slate-bytes` (writes bench/results/slate-bytes.json).
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig, type Event } from '../src/core/index.js';
import { createShop } from '../src/eval/index.js';
import { Ingestor } from '../src/ingest/index.js';
import { RecommendationRuntime } from '../src/recommend/index.js';
import { LocalChangeFeed, openStore } from '../src/store/index.js';

const SLATES = Number(process.env.SLATES ?? 20_000);
const SLATE_SIZE = 10;
const SHOP = { seed: 11, items: 5_000, users: 2_000, days: 14, categories: 8 };

/** Database file size after checkpointing the WAL into it (no VACUUM): page_count × page_size. */
function fileBytes(path: string): number {
  const db = new Database(path);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const bytes = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  db.close();
  return bytes;
}

async function buildStore(path: string): Promise<string[]> {
  const shop = createShop(SHOP);
  const store = await openStore(`sqlite:${path}`);
  await store.upsertItems(shop.items);
  let batch: Event[] = [];
  for (const e of shop.events()) {
    batch.push(e);
    if (batch.length === 10_000) {
      await store.appendEvents(batch);
      batch = [];
    }
  }
  await store.appendEvents(batch);
  await store.close();
  return shop.users.map((u) => u.id);
}

async function run(path: string, users: string[], impressionLog: 'events' | 'slate') {
  const before = fileBytes(path);
  const store = await openStore(`sqlite:${path}`);
  const config = loadConfig({
    env: {},
    overrides: {
      'serving.seed': 1,
      'serving.refreshIntervalSeconds': 0,
      'serving.impressionFlushMs': 50,
      'serving.impressionLog': impressionLog,
      logLevel: 'silent',
    },
  });
  const feed = new LocalChangeFeed();
  const ingestor = new Ingestor({ store, idSecret: null, feed });
  const runtime = new RecommendationRuntime({ config, store, feed, logEvents: (events, write) => ingestor.appendEvents(events, write) });
  await runtime.start();
  const started = performance.now();
  for (let k = 0; k < SLATES; k++) {
    const user = users[(k * 7919) % users.length];
    await runtime.forUser({ rawId: user, storedId: user }, { count: SLATE_SIZE, exploreWeight: 0.1, exclude: [] });
  }
  await runtime.stop();
  const seconds = (performance.now() - started) / 1000;
  const counts = await store.counts();
  await store.close();
  const after = fileBytes(path);
  return {
    impressionLog,
    slates: SLATES,
    bytesBefore: before,
    bytesAfter: after,
    bytesPerSlate: Math.round((after - before) / SLATES),
    events: counts.events,
    seconds: Number(seconds.toFixed(1)),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'curio-slate-bytes-'));
try {
  const base = join(dir, 'base.db');
  const users = await buildStore(base);
  fileBytes(base);
  const results = [];
  for (const mode of ['events', 'slate'] as const) {
    const path = join(dir, `${mode}.db`);
    copyFileSync(base, path);
    const r = await run(path, users, mode);
    console.log(
      `${mode}: ${r.bytesPerSlate} bytes per slate of ${SLATE_SIZE} (${((r.bytesAfter - r.bytesBefore) / 1e6).toFixed(1)} MB for ${SLATES} slates, ${r.seconds} s)`,
    );
    results.push(r);
  }
  const ratio = results[0].bytesPerSlate / results[1].bytesPerSlate;
  console.log(`events / slate: ${ratio.toFixed(1)}x`);
  writeFileSync(
    new URL('./results/slate-bytes.json', import.meta.url),
    `${JSON.stringify({ shop: SHOP, slateSize: SLATE_SIZE, decisionCandidates: 100, results, ratio: Number(ratio.toFixed(2)) }, null, 2)}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
