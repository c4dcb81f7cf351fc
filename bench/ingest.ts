// Ingest throughput: HTTP batch ingest from a second process, and direct batch appends through the Ingestor.
//   node --import tsx bench/ingest.ts          runs both and writes bench/results/ingest.json
// The same file is the load generator when started with --load (the HTTP figure needs load in another process).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Event } from '../src/core/index.js';
import { Ingestor } from '../src/ingest/index.js';
import { createApp } from '../src/serve/index.js';
import { openStore } from '../src/store/index.js';

const REPETITIONS = 3;
const HTTP = { connections: 4, batches: 40, batchEvents: 5000 };
const IMPORT = { batches: 30, batchEvents: 10_000 };
const KEY = 'bench-ingest-key-0123456789';
const T0 = 1_700_000_000_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** A realistic event row: 5,000 users, 20,000 items, mostly views; ids unique per prefix. */
function eventRow(prefix: string, n: number) {
  const type = n % 20 === 0 ? 'purchase' : n % 7 === 0 ? 'cart' : 'view';
  return {
    id: `${prefix}-${n}`,
    userId: `u${(n * 7919) % 5000}`,
    itemId: `i${(n * 104_729) % 20_000}`,
    type,
    timestamp: T0 + n,
    sessionId: `s${Math.floor(n / 20)}`,
  };
}

/** Child mode: posts pre-serialised batches over several keep-alive connections and prints events/s as JSON. */
async function runLoad(url: string, prefix: string): Promise<void> {
  const bodies = Array.from({ length: HTTP.batches }, (_, b) =>
    JSON.stringify({ events: Array.from({ length: HTTP.batchEvents }, (_, i) => eventRow(prefix, b * HTTP.batchEvents + i)) }),
  );
  let next = 0;
  let accepted = 0;
  const worker = async () => {
    for (let b = next++; b < bodies.length; b = next++) {
      const res = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: bodies[b],
      });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      accepted += ((await res.json()) as { accepted: number }).accepted;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: HTTP.connections }, worker));
  const seconds = (performance.now() - start) / 1000;
  process.stdout.write(JSON.stringify({ accepted, seconds }) + '\n');
}

/** One HTTP repetition: a fresh server on a temp SQLite file in this process, the load in a child process. */
async function httpRepetition(rep: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'curio-bench-http-'));
  const config = loadConfig({
    env: { CURIO_STORE_URL: `sqlite:${join(dir, 'curio.db')}`, CURIO_API_KEYS: `${KEY}:ingest`, CURIO_LOG_LEVEL: 'warn' },
  });
  const store = await openStore(config.store.url);
  const app = createApp({ config, store });
  try {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--load', address, `r${rep}`], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d));
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`load process exited with ${code}`))));
    });
    const { accepted, seconds } = JSON.parse(out) as { accepted: number; seconds: number };
    if (accepted !== HTTP.batches * HTTP.batchEvents) throw new Error(`expected every event accepted, got ${accepted}`);
    return accepted / seconds;
  } finally {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One import repetition: 10k-event appends through Ingestor.appendEvents, in bulk mode, into a fresh temp SQLite file. */
async function importRepetition(rep: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'curio-bench-import-'));
  const store = await openStore(`sqlite:${join(dir, 'curio.db')}`);
  try {
    const ingestor = new Ingestor({ store, idSecret: null });
    const batches: Event[][] = Array.from({ length: IMPORT.batches }, (_, b) =>
      Array.from({ length: IMPORT.batchEvents }, (_, i) => {
        const row = eventRow(`m${rep}`, b * IMPORT.batchEvents + i);
        return { ...row, type: row.type as Event['type'], value: null, context: {} };
      }),
    );
    const start = performance.now();
    let accepted = 0;
    // As `curio import` does: bulk mode, with the read indexes rebuilt inside the timed interval.
    await store.bulkLoad(IMPORT.batches * IMPORT.batchEvents, async () => {
      for (const events of batches) accepted += (await ingestor.appendEvents(events)).accepted;
    });
    const seconds = (performance.now() - start) / 1000;
    if (accepted !== IMPORT.batches * IMPORT.batchEvents) throw new Error(`expected every event accepted, got ${accepted}`);
    return accepted / seconds;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const http: number[] = [];
  const imports: number[] = [];
  for (let rep = 0; rep < REPETITIONS; rep++) {
    imports.push(await importRepetition(rep));
    http.push(await httpRepetition(rep));
    console.log(`repetition ${rep + 1}: import ${Math.round(imports[rep])} events/s, http ${Math.round(http[rep])} events/s`);
  }
  const result = {
    http_events_per_s: Math.round(median(http)),
    import_events_per_s: Math.round(median(imports)),
    targets: { http_events_per_s: 20_000, import_events_per_s: 100_000 },
    repetitions: { http_events_per_s: http.map(Math.round), import_events_per_s: imports.map(Math.round) },
    setup: {
      http: { ...HTTP, note: 'server (Fastify + SQLite file) in the bench process, load from a child process over loopback' },
      import: {
        ...IMPORT,
        note: 'Ingestor.appendEvents in Store.bulkLoad (as curio import) into a temp SQLite file, index rebuild included',
      },
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      // The machine is shared: a high load average at the end of the run explains a low figure.
      loadAverage1m: Number(loadavg()[0].toFixed(2)),
      date: new Date().toISOString(),
    },
  };
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'ingest.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(
    `http_events_per_s ${result.http_events_per_s} (target ≥ 20000), import_events_per_s ${result.import_events_per_s} (target ≥ 100000)`,
  );
}

if (process.argv[2] === '--load') await runLoad(process.argv[3], process.argv[4]);
else await main();
