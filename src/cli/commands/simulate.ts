import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createProgress, type Event, type Progress } from '../../core/index.js';
import { createShop, type Shop, type ShopOptionsInput } from '../../eval/index.js';
import { Ingestor } from '../../ingest/index.js';
import { openStore, type Store } from '../../store/index.js';
import { configFrom, withStoreOptions } from '../options.js';

const BATCH_EVENTS = 10_000;
const BATCH_ITEMS = 1_000;

export interface SimulateIntoStoreOptions extends ShopOptionsInput {
  /** HMAC secret for user ids (config privacy.idSecret); null stores ids as generated. */
  idSecret?: string | null;
}

export interface SimulateSummary {
  /** The generated shop, for callers that go on to ask its response model. */
  shop: Shop;
  items: number;
  events: number;
  accepted: number;
  duplicates: number;
  refused: number;
  seconds: number;
}

/** Generates a synthetic shop and writes it into a store: items, then events through the Ingestor in batches. */
export async function simulateIntoStore(
  store: Store,
  options: SimulateIntoStoreOptions = {},
  progress?: Progress,
): Promise<SimulateSummary> {
  const started = performance.now();
  const { idSecret = null, ...shopOptions } = options;
  const shop = createShop(shopOptions);
  for (let i = 0; i < shop.items.length; i += BATCH_ITEMS) await store.upsertItems(shop.items.slice(i, i + BATCH_ITEMS));
  const ingestor = new Ingestor({ store, idSecret });
  const summary = { shop, items: shop.items.length, events: 0, accepted: 0, duplicates: 0, refused: 0, seconds: 0 };
  progress?.setTotal(shop.estimatedEventCount);
  const flush = async (batch: Event[]): Promise<void> => {
    const result = await ingestor.appendEvents(batch);
    summary.events += batch.length;
    summary.accepted += result.accepted;
    summary.duplicates += result.duplicates;
    summary.refused += result.refused.length;
    progress?.tick(batch.length);
  };
  let batch: Event[] = [];
  for (const event of shop.events()) {
    batch.push(event);
    if (batch.length === BATCH_EVENTS) {
      await flush(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await flush(batch);
  progress?.setTotal(summary.events);
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

/** Writes lines to a file in large chunks (one syscall per chunk rather than per line). */
function writeJsonl(path: string, rows: Iterable<unknown>, onChunk: (n: number) => void = () => {}): number {
  const fd = openSync(path, 'w');
  let count = 0;
  try {
    let chunk: string[] = [];
    for (const row of rows) {
      chunk.push(JSON.stringify(row));
      count++;
      if (chunk.length === BATCH_EVENTS) {
        writeSync(fd, chunk.join('\n') + '\n');
        onChunk(chunk.length);
        chunk = [];
      }
    }
    if (chunk.length > 0) writeSync(fd, chunk.join('\n') + '\n');
    onChunk(chunk.length);
  } finally {
    closeSync(fd);
  }
  return count;
}

/** Writes items.jsonl, users.jsonl (with true interests at start and end) and events.jsonl into `dir`. */
export function simulateToFiles(
  dir: string,
  options: ShopOptionsInput = {},
  progress?: Progress,
): { shop: Shop; items: number; users: number; events: number } {
  const shop = createShop(options);
  mkdirSync(dir, { recursive: true });
  const items = writeJsonl(join(dir, 'items.jsonl'), shop.items);
  const users = writeJsonl(
    join(dir, 'users.jsonl'),
    shop.users.map((u) => ({
      ...u,
      interestsAtStart: shop.trueInterests(u.id, shop.options.startTime),
      interestsAtEnd: shop.trueInterests(u.id, shop.endTime - 1),
    })),
  );
  progress?.setTotal(shop.estimatedEventCount);
  const events = writeJsonl(join(dir, 'events.jsonl'), shop.events(), (n) => progress?.tick(n));
  progress?.setTotal(events);
  return { shop, items, users, events };
}

interface SimulateFlags extends Record<string, unknown> {
  config?: string;
  store?: string;
  out?: string;
  seed?: number;
  users?: number;
  items?: number;
  days?: number;
  categories?: number;
  sessions?: number;
  drift?: number;
  newItems?: number;
  start?: string;
  progress: boolean;
}

/** Only the flags given, under the option names the shop schema validates. */
function shopOptionsFrom(flags: SimulateFlags): ShopOptionsInput {
  const start = flags.start === undefined ? undefined : /^\d+$/.test(flags.start) ? Number(flags.start) : flags.start;
  const picked: Record<string, unknown> = {
    seed: flags.seed,
    users: flags.users,
    items: flags.items,
    days: flags.days,
    categories: flags.categories,
    sessionsPerUserPerDay: flags.sessions,
    driftRatePerDay: flags.drift,
    newItemsPerDay: flags.newItems,
    startTime: start,
  };
  return Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined)) as ShopOptionsInput;
}

async function runSimulate(flags: SimulateFlags): Promise<void> {
  const options = shopOptionsFrom(flags);
  const bar = (label: string) => createProgress({ label, unit: 'events', silent: !flags.progress });
  if (flags.out) {
    const progress = bar('simulate → files');
    const started = performance.now();
    const out = simulateToFiles(flags.out, options, progress);
    progress.stop();
    console.log(
      `wrote ${out.items} items, ${out.users} users, ${out.events} events to ${flags.out} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  if (flags.out && flags.store === undefined) return;
  const config = configFrom(flags);
  const store = await openStore(config.store.url);
  const progress = bar('simulate → store');
  let summary: SimulateSummary;
  try {
    summary = await simulateIntoStore(store, { ...options, idSecret: config.privacy.idSecret }, progress);
  } finally {
    progress.stop();
    await store.close();
  }
  const s = summary;
  console.log(
    `stored ${s.items} items and ${s.accepted} events (${s.duplicates} duplicates, ${s.refused} refused) of ${s.shop.users.length} users into ${config.store.url} in ${s.seconds.toFixed(1)} s`,
  );
}

/** `curio simulate`: generate the synthetic shop into files (--out) and/or a store (--store). */
export function register(program: Command): void {
  const num = (v: string): number => Number(v);
  withStoreOptions(program.command('simulate'))
    .description('generate a synthetic shop (catalogue, shoppers, events) into a store or JSONL files; see docs/simulator.md')
    .option('-o, --out <dir>', 'write items.jsonl, users.jsonl (true interests) and events.jsonl here; with --store too, also store')
    .option('--seed <n>', 'random seed (same seed, same shop; default 42)', num)
    .option('--users <n>', 'number of shoppers (default 5000)', num)
    .option('--items <n>', 'number of catalogue items (default 2000)', num)
    .option('--days <n>', 'days simulated (default 30)', num)
    .option('--categories <n>', 'top categories, 1-10 (default 8)', num)
    .option('--sessions <n>', 'mean sessions per shopper per day (default 0.25)', num)
    .option('--drift <p>', 'chance per shopper and day of an interest change (default 0.03)', num)
    .option('--new-items <n>', 'new arrivals: catalogue items launched per day after day 0 (default 0)', num)
    .option('--start <time>', 'start of day 0: ISO-8601 or epoch ms (default 2025-01-01T00:00:00Z)')
    .option('--no-progress', 'do not draw a progress bar')
    .action(runSimulate);
}
