/**
 * Curio as a cluster on PostgreSQL, NATS JetStream and Redis (docs/scaling.md), on this one machine:
 *   import      `curio import csv` of a generated CSV into PostgreSQL, a process of its own as bin/curio.js starts
 *               it, after a CHECKPOINT: events/s from its report.
 *   ingest      POST /v1/events (batches of 500 new events) through two API nodes at once, closed loop
 *               (autocannon, 8 connections per node): events/s stored in PostgreSQL.
 *   recommend   the 50,000-item shop of bench/serve.ts in PostgreSQL, two API nodes, 250 requests/s open
 *               loop on each (500/s in all) from bench:serve's lean generator child: p50/p99 per node.
 *               CPU per request over that load: each node's (its /metrics) and the machine's (/proc/stat).
 *   visibility  during that load, probes: a shopper's view posted to node A, then node B's slates for that
 *               shopper polled every 10 ms until a reason names the viewed item: ms from A's acknowledgement.
 * Every node, NATS stream, Redis prefix and schema is made for the run and removed after it. The two nodes,
 * PostgreSQL, NATS, Redis and the load generator share the machine's 2 cores: per-node figures on a real
 * cluster are higher (docs/scaling.md says how the capacity model uses them).
 *
 *   npm run bench:cluster [-- --import-events 500000 --ingest-seconds 15 --recommend-seconds 30 --rate 500 --runs 3]
 *                         [--node-args '--cpu-prof --cpu-prof-dir=DIR'] [--out bench/results/cluster.json]
 */
import { mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createRng, type Event } from '../src/core/index.js';
import { createShop } from '../src/eval/index.js';
import type { ImportReport } from '../src/ingest/index.js';
import { openStore } from '../src/store/index.js';
import type { OpenLoopResult } from './open-loop.js';
import { argValue, cpuJiffies, median, runGenerators, scrapeMetrics, stopGenerator } from './serve-shared.js';
import { processCpuSeconds, routeBuckets, serverSide, type ServerSide } from './server-durations.js';
import { SHOP } from './serve-child.js';
import { CRASH_KEY, killStarted, killStartedOnExit, stopServer, type Server } from '../test/support/crash-harness.js';
import { call, deleteStream, startNodes, uniqueStream } from '../test/support/cluster-nodes.js';
import { checkpoint, dropSchemas, postgresSchemaUrl, schemaOf } from '../test/support/postgres.js';
import { dropPrefix, TEST_REDIS_URL, uniquePrefix } from '../test/support/redis.js';
import { TEST_NATS_URL } from '../test/support/nats-server.js';

const execFileAsync = promisify(execFile);
const CLI = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const IMPORT_EVENTS = Number(argValue('import-events') ?? 500_000);
const INGEST_SECONDS = Number(argValue('ingest-seconds') ?? 15);
const RECOMMEND_SECONDS = Number(argValue('recommend-seconds') ?? 30);
const RATE = Number(argValue('rate') ?? 500);
const RUNS = Number(argValue('runs') ?? 3);
const BATCH = 500;
const PROBES = 60;
const ROUTE = '/v1/users/:id/recommendations';
/** `--node-args '--cpu-prof --cpu-prof-dir=DIR'`: more node flags for both API nodes (where their time goes). */
const NODE_ARGS = (argValue('node-args') ?? '').split(' ').filter(Boolean);
const step = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
killStartedOnExit();

async function importRun(dir: string, run: number): Promise<number> {
  const file = join(dir, 'events.csv');
  const rng = createRng(42);
  const out = createWriteStream(file);
  out.write('user,item,event,ts\n');
  const types = ['view', 'view', 'view', 'click', 'cart', 'purchase'];
  let buf = '';
  for (let i = 0; i < IMPORT_EVENTS; i++) {
    buf += `u${rng.int(50_000)},i${rng.int(20_000)},${types[rng.int(types.length)]},${1_700_000_000 + i}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  const url = postgresSchemaUrl();
  // Each run starts with PostgreSQL's dirty pages written: the ingest run before it leaves ~1M events' worth,
  // whose checkpoint would otherwise land in this run (the first run has none before it).
  await checkpoint();
  try {
    // The command a user runs, started as bin/curio.js starts it (its young-generation size included), from source.
    const { stdout } = await execFileAsync(
      process.execPath,
      [
        ...['--max-semi-space-size=64', '--import', 'tsx', CLI, 'import', 'csv', file, '--store', url, '--json'],
        ...['--map', 'userId=user,itemId=item,type=event,timestamp=ts', '--timestamp-unit', 's'],
      ],
      { maxBuffer: 16 << 20 },
    ).catch((error: { stderr?: string; message: string }) => {
      throw new Error(`curio import failed: ${error.stderr || error.message}`);
    });
    const report = JSON.parse(stdout) as ImportReport;
    if (report.eventsAccepted !== IMPORT_EVENTS) throw new Error(`import stored ${report.eventsAccepted} of ${IMPORT_EVENTS}`);
    step(
      `import run ${run}: ${IMPORT_EVENTS.toLocaleString('en-US')} events in ${report.seconds.toFixed(1)} s = ${report.eventsPerSecond.toLocaleString('en-US')} events/s`,
    );
    return report.eventsPerSecond;
  } finally {
    await dropSchemas([schemaOf(url)]);
  }
}

/** A cluster of two nodes on a fresh schema, stream and prefix; `fill` stores what the nodes should start with. */
async function withCluster<T>(fill: (url: string) => Promise<void>, work: (nodes: Server[], storeUrl: string) => Promise<T>): Promise<T> {
  const storeUrl = postgresSchemaUrl();
  const stream = uniqueStream();
  const redisPrefix = uniquePrefix();
  await fill(storeUrl);
  const nodes = await startNodes(
    { storeUrl, natsUrl: TEST_NATS_URL, redisUrl: TEST_REDIS_URL, stream, redisPrefix },
    2,
    {
      CURIO_SERVING_POLICY: 'epsilon-greedy',
      CURIO_SERVING_USER_CACHE_SECONDS: '300',
      CURIO_LOG_LEVEL: 'error',
    },
    NODE_ARGS,
  );
  try {
    return await work(nodes, storeUrl);
  } finally {
    await Promise.all(nodes.map((n) => stopServer(n)));
    await killStarted();
    await deleteStream(TEST_NATS_URL, stream);
    await dropPrefix(redisPrefix);
    await dropSchemas([schemaOf(storeUrl)]);
  }
}

async function ingestRun(run: number): Promise<{ eventsPerSecond: number; non2xx: number }> {
  return withCluster(
    async (url) => (await openStore(url)).close(),
    async (nodes, storeUrl) => {
      let next = 0;
      const body = () => {
        const n = next++;
        const t = Date.now();
        const events = Array.from({ length: BATCH }, (_, i) => ({
          id: `r${run}-b${n}-${i}`,
          userId: `u${(n * 31 + i) % 20_000}`,
          itemId: `i${(n * 7 + i * 13) % 5000}`,
          type: i % 10 === 0 ? 'cart' : 'view',
          timestamp: new Date(t - i).toISOString(),
        }));
        return JSON.stringify({ events });
      };
      const results = await Promise.all(
        nodes.map((node) =>
          autocannon({
            url: node.url,
            connections: 8,
            duration: INGEST_SECONDS,
            requests: [
              {
                method: 'POST',
                path: '/v1/events',
                headers: { authorization: `Bearer ${CRASH_KEY}`, 'content-type': 'application/json' },
                setupRequest: (req) => ({ ...req, body: body() }),
              },
            ],
          }),
        ),
      );
      const ok = results.reduce((s, r) => s + r['2xx'], 0);
      const non2xx = results.reduce((s, r) => s + r.non2xx + r.errors, 0);
      const reader = await openStore(storeUrl);
      const stored = (await reader.counts()).events;
      await reader.close();
      if (stored < ok * BATCH) throw new Error(`acknowledged ${ok * BATCH} events, stored ${stored}`);
      const eventsPerSecond = Math.round((ok * BATCH) / INGEST_SECONDS);
      step(
        `ingest run ${run}: ${(ok * BATCH).toLocaleString('en-US')} events acknowledged (all stored) in ${INGEST_SECONDS} s = ${eventsPerSecond.toLocaleString('en-US')} events/s, ${non2xx} not 2xx`,
      );
      return { eventsPerSecond, non2xx };
    },
  );
}

async function fillShop(url: string): Promise<{ users: string[]; probes: Array<{ itemId: string; title: string }> }> {
  const shop = createShop(SHOP);
  // Probe items: popular items renamed so that a reason naming one can only come from the probe's event.
  const counts = new Map<string, number>();
  let batch: Event[] = [];
  const store = await openStore(url);
  const events: Event[][] = [];
  for (const e of shop.events()) {
    if (e.itemId) counts.set(e.itemId, (counts.get(e.itemId) ?? 0) + 1);
    batch.push(e);
    if (batch.length === 20_000) {
      events.push(batch);
      batch = [];
    }
  }
  events.push(batch);
  const popular = [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, PROBES)
    .map(([id]) => id);
  const probes = popular.map((itemId, k) => ({ itemId, title: `Probe ${k} item` }));
  const titles = new Map(probes.map((p) => [p.itemId, p.title]));
  await store.upsertItems(shop.items.map((item) => (titles.has(item.id) ? { ...item, title: titles.get(item.id)! } : item)));
  for (const b of events) await store.appendEvents(b);
  await store.close();
  return { users: shop.users.map((u) => u.id), probes };
}

interface RecommendRun {
  perNode: OpenLoopResult[];
  /** The larger of the two nodes' p99 (p50): the stricter reading. */
  p99Ms: number;
  p50Ms: number;
  /** p99 over every request of the load, both nodes' together (a failed request counts as slowest). */
  pooledP99Ms: number;
  visibilityMs: number[];
  /** The warm-up's p99: every shopper's first request on a node, read from PostgreSQL. */
  coldP99Ms: number;
  /** Per node, the load's requests as the node timed them. */
  serverSides: ServerSide[];
  /** Per node, its CPU time over the load divided by its requests (ms). */
  nodeCpuMsPerRequest: number[];
  /** The machine's busy CPU time (all cores, every process) over the load per request (ms). */
  machineCpuMsPerRequest: number;
}

async function recommendRun(run: number): Promise<RecommendRun> {
  let shop: Awaited<ReturnType<typeof fillShop>> | null = null;
  return withCluster(
    async (url) => {
      const started = performance.now();
      shop = await fillShop(url);
      step(`shop stored in PostgreSQL in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    },
    async ([a, b]) => {
      const { users, probes } = shop!;
      // The load comes from the lean generator child of bench:serve (serve-child.ts), not from this process,
      // whose heap holds the generated shop: collecting it here stalled response handling and counted it as latency.
      const job = (node: Server, offset: number, seconds: number) => ({
        url: node.url,
        rate: RATE / 2,
        seconds,
        users,
        offset,
        key: CRASH_KEY,
      });
      // Warm-up, as bench:serve does: every shopper once on each node (the steady state of a shop whose
      // shoppers come back within the user-cache lifetime); its latency is reported apart (cold_pass_*).
      const cold = await runGenerators([a, b].map((n) => job(n, 0, (users.length * 2) / RATE)));
      step(`cold pass, every shopper read from PostgreSQL once per node: p99 ${cold.map((r) => r.p99Ms.toFixed(1)).join(' / ')} ms`);
      const metricsBefore = await Promise.all([a, b].map((n) => scrapeMetrics(n.url, CRASH_KEY)));
      const timedBefore = metricsBefore.map((text) => routeBuckets(text, ROUTE));
      const jiffiesBefore = cpuJiffies();
      const load = runGenerators([a, b].map((n, k) => ({ ...job(n, 20_000 + k * 50_000, RECOMMEND_SECONDS), timeline: true })));
      const visibilityMs: number[] = [];
      const until = Date.now() + (RECOMMEND_SECONDS - 2) * 1000;
      for (let k = 0; k < probes.length && Date.now() < until; k++) {
        const user = `probe-${run}-${k}`;
        await call(b, 'GET', `/v1/users/${user}/recommendations?n=10`); // B caches the (empty) shopper: only the bus can change it
        const posted = await call(a, 'POST', '/v1/events', {
          events: [{ id: `probe-${run}-${k}`, userId: user, itemId: probes[k].itemId, type: 'view', timestamp: new Date().toISOString() }],
        });
        const acked = performance.now();
        if (posted.status !== 200) throw new Error(`probe event: HTTP ${posted.status}`);
        for (;;) {
          const slate = await call(b, 'GET', `/v1/users/${user}/recommendations?n=10`);
          if (slate.json.items?.some((i) => i.reason?.includes(probes[k].title))) break;
          if (performance.now() - acked > 10_000) throw new Error(`probe ${k}: not visible on node B after 10 s`);
          await new Promise((r) => setTimeout(r, 10));
        }
        visibilityMs.push(performance.now() - acked);
        await new Promise((r) => setTimeout(r, 200));
      }
      const perNode = await load;
      // The same requests as each node timed them (bench/server-durations.ts): a tail outside the servers (the
      // generator, the socket, the co-located services' share of the cores) shows as a gap between the two.
      const jiffiesAfter = cpuJiffies();
      const metricsAfter = await Promise.all([a, b].map((n) => scrapeMetrics(n.url, CRASH_KEY)));
      const serverSides = metricsAfter.map((text, k) => serverSide(timedBefore[k], routeBuckets(text, ROUTE)));
      // CPU per request, which machine noise moves far less than a tail: each node's own, and the whole
      // machine's (nodes, PostgreSQL, NATS, Redis, generator; /proc/stat counts in hundredths of a second).
      const requests = perNode.reduce((s, r) => s + r.requests, 0);
      const nodeCpuMsPerRequest = metricsAfter.map(
        (text, k) => ((processCpuSeconds(text) - processCpuSeconds(metricsBefore[k])) * 1000) / perNode[k].requests,
      );
      const machineCpuMsPerRequest = ((jiffiesAfter[0] - jiffiesBefore[0]) * 10) / requests;
      const p99Ms = Math.max(...perNode.map((r) => r.p99Ms));
      const p50Ms = Math.max(...perNode.map((r) => r.p50Ms));
      const pooled = perNode.flatMap((r) => r.timeline!.latencyMs.map((ms) => (Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms)));
      const pooledP99Ms = quantile(pooled, 0.99);
      const sorted = [...visibilityMs].sort((x, y) => x - y);
      step(
        `recommend run ${run}: p99 over both ${pooledP99Ms.toFixed(1)} ms; ${perNode.map((r) => `${r.achievedRps.toFixed(0)} req/s p50 ${r.p50Ms.toFixed(1)} p99 ${r.p99Ms.toFixed(1)} ms (${r.non2xx + r.errors} failed)`).join(' | ')}; ` +
          `visibility p50 ${sorted[Math.floor(sorted.length / 2)]?.toFixed(0)} p99 ${sorted[Math.floor(sorted.length * 0.99)]?.toFixed(0)} ms over ${sorted.length} probes; ` +
          `generator send lag p99 ${perNode.map((r) => `${r.sendLagP99Ms} (max ${r.sendLagMaxMs})`).join(' / ')} ms; ` +
          `cpu per request: nodes ${nodeCpuMsPerRequest.map((x) => x.toFixed(2)).join(' / ')} ms, machine ${machineCpuMsPerRequest.toFixed(2)} ms; ` +
          `server-side p99 <= ${serverSides.map((x) => `${x.p99AtMostMs} ms (${(x.over10msShare * 100).toFixed(2)}% over 10 ms)`).join(' / ')}`,
      );
      return {
        perNode,
        p99Ms,
        p50Ms,
        pooledP99Ms,
        visibilityMs,
        coldP99Ms: Math.max(...cold.map((r) => r.p99Ms)),
        serverSides,
        nodeCpuMsPerRequest,
        machineCpuMsPerRequest,
      };
    },
  );
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))];
};

const load0 = loadavg();
const dir = mkdtempSync(join(tmpdir(), 'curio-cluster-bench-'));
try {
  const importRates: number[] = [];
  const ingest: Array<{ eventsPerSecond: number; non2xx: number }> = [];
  const recommend: RecommendRun[] = [];
  for (let run = 1; run <= RUNS; run++) {
    importRates.push(await importRun(dir, run));
    ingest.push(await ingestRun(run));
  }
  for (let run = 1; run <= RUNS; run++) recommend.push(await recommendRun(run));
  const visibility = recommend.flatMap((r) => r.visibilityMs);
  const result = {
    dataset: 'generated (import, ingest); the 50,000-item simulated shop of bench/serve.ts (recommend)',
    machine: {
      cores: 2,
      note: 'two API nodes, PostgreSQL 15, NATS, Redis and the load generator on one 2-core machine',
      load_average_before: load0,
    },
    runs: RUNS,
    import: {
      events: IMPORT_EVENTS,
      events_per_s_runs: importRates,
      events_per_s_median: median(importRates),
      note: "PostgreSQL CHECKPOINT before each run (the previous run's ingest leaves its dirty pages)",
      target_events_per_s: 100_000,
    },
    ingest: {
      nodes: 2,
      batch_events: BATCH,
      seconds: INGEST_SECONDS,
      events_per_s_runs: ingest.map((r) => r.eventsPerSecond),
      events_per_s_median: median(ingest.map((r) => r.eventsPerSecond)),
      non2xx: ingest.reduce((s, r) => s + r.non2xx, 0),
      target_events_per_s: 20_000,
    },
    recommend: {
      nodes: 2,
      items: SHOP.items,
      rate_per_s: RATE,
      seconds: RECOMMEND_SECONDS,
      generator: 'one lean child process (bench/serve-child.ts --generate) driving both nodes',
      p50_ms_runs: recommend.map((r) => Number(r.p50Ms.toFixed(2))),
      p99_ms_runs: recommend.map((r) => Number(r.p99Ms.toFixed(2))),
      p99_ms_median: Number(median(recommend.map((r) => r.p99Ms)).toFixed(2)),
      p99_note:
        "p99_ms_*: the larger of the two nodes' p99s; pooled_p99_ms_*: the p99 over every request of both nodes (the 500/s load as a whole)",
      pooled_p99_ms_runs: recommend.map((r) => Number(r.pooledP99Ms.toFixed(2))),
      pooled_p99_ms_median: Number(median(recommend.map((r) => r.pooledP99Ms)).toFixed(2)),
      cold_pass_p99_ms_runs: recommend.map((r) => Number(r.coldP99Ms.toFixed(2))),
      server_side_runs: recommend.map((r) => r.serverSides),
      node_cpu_ms_per_request_runs: recommend.map((r) => r.nodeCpuMsPerRequest.map((x) => Number(x.toFixed(3)))),
      machine_cpu_ms_per_request_runs: recommend.map((r) => Number(r.machineCpuMsPerRequest.toFixed(3))),
      generator_send_lag_p99_ms_runs: recommend.map((r) => r.perNode.map((n) => n.sendLagP99Ms)),
      failed: recommend.reduce((s, r) => s + r.perNode.reduce((t, n) => t + n.non2xx + n.errors, 0), 0),
      target_p99_ms: 10,
    },
    visibility: {
      probes: visibility.length,
      p50_ms: Number(quantile(visibility, 0.5).toFixed(1)),
      p99_ms: Number(quantile(visibility, 0.99).toFixed(1)),
      max_ms: Number(Math.max(...visibility).toFixed(1)),
      target_p99_ms: 1000,
    },
    load_average_after: loadavg(),
    measured_at: new Date().toISOString(),
  };
  writeFileSync(argValue('out') ?? new URL('./results/cluster.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
} finally {
  stopGenerator();
  rmSync(dir, { recursive: true, force: true });
}
