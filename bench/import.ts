// Import throughput: generates 1M events as CSV (generic `csv` importer, zod-validated per row), as JSONL and
// as a Taobao-format file (typed importer), imports each into a fresh temp SQLite file and reports events/s.
// Run: node --import tsx bench/import.ts [events]   (default 1,000,000)
import { mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createRng } from '../src/core/index.js';
import { openStore } from '../src/store/index.js';
import { Ingestor, runImport, type ImportReport, type ImporterOptions } from '../src/ingest/index.js';

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const TYPES = ['view', 'view', 'view', 'click', 'cart', 'purchase'];
const TAOBAO = { view: 'pv', click: 'pv', cart: 'cart', purchase: 'buy' } as Record<string, string>;
const BASE_S = 1_700_000_000;

type Row = { user: number; item: number; type: string; seconds: number };

async function writeRows(path: string, header: string | null, line: (r: Row) => string): Promise<void> {
  const rng = createRng(42);
  const out = createWriteStream(path);
  if (header) out.write(header + '\n');
  let buf = '';
  for (let i = 0; i < EVENTS; i++) {
    const r = { user: rng.int(50_000), item: rng.int(20_000), type: TYPES[rng.int(TYPES.length)], seconds: BASE_S + i };
    buf += line(r) + '\n';
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

async function measure(dir: string, format: string, file: string, importer: Partial<ImporterOptions>): Promise<ImportReport> {
  const store = await openStore(`sqlite:${join(dir, `${format}.db`)}`);
  const report = await runImport({ format, file, ingestor: new Ingestor({ store, idSecret: null }), importer });
  await store.close();
  if (report.status !== 'complete' || report.eventsAccepted !== EVENTS)
    throw new Error(`${format}: ${JSON.stringify(report).slice(0, 500)}`);
  console.log(
    `${format.padEnd(8)} ${EVENTS.toLocaleString('en-US')} events in ${report.seconds.toFixed(1)} s = ${report.eventsPerSecond.toLocaleString('en-US')} events/s`,
  );
  return report;
}

const dir = mkdtempSync(join(tmpdir(), 'curio-import-bench-'));
try {
  const csv = join(dir, 'events.csv');
  const jsonl = join(dir, 'events.jsonl');
  const taobao = join(dir, 'UserBehavior.csv');
  await writeRows(csv, 'user,item,event,ts', (r) => `u${r.user},i${r.item},${r.type},${r.seconds}`);
  await writeRows(jsonl, null, (r) =>
    JSON.stringify({ userId: `u${r.user}`, itemId: `i${r.item}`, type: r.type, timestamp: r.seconds * 1000 }),
  );
  await writeRows(taobao, null, (r) => `${r.user},${r.item},${r.item % 500},${TAOBAO[r.type]},${r.seconds}`);
  const csvReport = await measure(dir, 'csv', csv, {
    map: { userId: 'user', itemId: 'item', type: 'event', timestamp: 'ts' },
    timestampUnit: 's',
  });
  const jsonlReport = await measure(dir, 'jsonl', jsonl, {});
  const taobaoReport = await measure(dir, 'taobao', taobao, {});
  const result = {
    events: EVENTS,
    store: 'sqlite (temp file, WAL, synchronous=NORMAL)',
    batch_events: 10_000,
    import_events_per_s: csvReport.eventsPerSecond,
    csv_events_per_s: csvReport.eventsPerSecond,
    jsonl_events_per_s: jsonlReport.eventsPerSecond,
    taobao_events_per_s: taobaoReport.eventsPerSecond,
    target_events_per_s: 100_000,
    node: process.version,
    // The machine is shared: a load average above its core count means the figures are pessimistic.
    load_average_1m: Number(loadavg()[0].toFixed(2)),
    measured_at: new Date().toISOString(),
  };
  writeFileSync(new URL('./results/import.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
