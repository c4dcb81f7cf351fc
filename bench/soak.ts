/**
 * Soak: mixed load against one `curio serve` process (bin/curio.js, the real executable) for --minutes,
 * on the 50,000-item synthetic shop of bench/serve.ts (built by bench/serve-child.ts --build):
 * personalised slates, anonymous slates and small ingest batches with feedback on earlier slates, at fixed
 * open-loop rates from a generator process (bench/soak-load.ts). Every --sample-seconds: the server's RSS
 * (/proc/<pid>/status), its heap and event-loop lag (/metrics), p50/p99 per request kind over the interval,
 * errors (non-2xx, connection errors, timeouts, refused events), the store's bytes (db + -wal) and the slates
 * served so far. Summary: RSS slope after warm-up (least squares over the samples after the first 5 minutes,
 * or after the first third of a shorter run) in MB/min (target ≤ 1), p99 per interval, total errors
 * (target 0), store bytes per served slate.
 * Run: node --import tsx bench/soak.ts [--minutes 30] [--sample-seconds 30] [--rec-rate 150] [--anon-rate 25]
 *   [--ingest-rate 25] [--ingest-batch 5] [--timeout-ms 2000] [--user-cache-seconds 300] [--refresh-seconds N]
 *   [--seed 1] [--trainer true|false] [--server-flags --cpu-prof,--cpu-prof-dir=dir] [--compact-heap true|false]
 *   [--out bench/results/soak.json]
 * The store starts with a serving version in its registry (serving.model fitted on the shop, as a running
 * shop has) and, unless --trainer false, the server's trainer keeps training beside it (docs/operations.md).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { KINDS, SOAK_LOAD, type FromLoad, type Kind, type KindStats, type LoadReport, type SoakLoadJob, type ToLoad } from './soak-load.js';
import { CHILD, KEY, SHOP, type BuiltShop } from './serve-child.js';
import { loadConfig } from '../src/core/index.js';
import { datasetFromStore } from '../src/data/index.js';
import { getModelSpec } from '../src/models/index.js';
import { computeServingLists } from '../src/recommend/index.js';
import { openStore, type Job, type ModelVersion } from '../src/store/index.js';
import { registerVersion, trainingWindow } from '../src/train/index.js';
import {
  alive,
  distStatus,
  killStarted,
  killStartedOnExit,
  startServer,
  stopServer,
  track,
  type Server,
} from '../test/support/crash-harness.js';

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const MINUTES = Number(argValue('minutes') ?? 30);
const SAMPLE_SECONDS = Number(argValue('sample-seconds') ?? 30);
const RATES: Record<Kind, number> = {
  rec: Number(argValue('rec-rate') ?? 150),
  anon: Number(argValue('anon-rate') ?? 25),
  ingest: Number(argValue('ingest-rate') ?? 25),
};
const INGEST_BATCH = Number(argValue('ingest-batch') ?? 5);
const TIMEOUT_MS = Number(argValue('timeout-ms') ?? 2000);
const USER_CACHE_SECONDS = Number(argValue('user-cache-seconds') ?? 300);
/** The model refresh interval; unset = the configuration's default (serving.refreshIntervalSeconds). */
const REFRESH_SECONDS = argValue('refresh-seconds');
const SEED = Number(argValue('seed') ?? 1);
/** The trainer beside the server (the default deployment); `--trainer false` serves the first version only. */
const TRAINER = argValue('trainer') !== 'false';
/** Extra node flags for the server, comma-separated (`--server-flags --cpu-prof,--cpu-prof-dir=./prof`). */
const SERVER_FLAGS = argValue('server-flags')?.split(',').filter(Boolean);
/** `server.compactHeap` for the server (true or false); unset = the configuration's default. */
const COMPACT_HEAP = argValue('compact-heap');
/** Samples after this many seconds make the RSS fit: 5 minutes, or the first third of a shorter run. */
const WARM_UP_SECONDS = Math.min(300, (MINUTES * 60) / 3);
const TARGET = { rssSlopeMbPerMin: 1, errors: 0 };

/** Memory and store sizes are reported in MiB (written MB). */
const MB = 1024 * 1024;

/** Builds the shop into `path` in a child process (serve-child.ts --build), as bench/serve.ts does. */
async function buildShop(path: string): Promise<BuiltShop> {
  const child = track(spawn(process.execPath, ['--import', 'tsx', CHILD, '--build', path], { stdio: ['ignore', 'pipe', 'inherit'] }));
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`store build exited with ${code}`);
  return JSON.parse(out) as BuiltShop;
}

/** The load generator process (bench/soak-load.ts), driven over IPC. */
function startLoad(job: SoakLoadJob) {
  const child = track(spawn(process.execPath, ['--import', 'tsx', SOAK_LOAD], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const ask = (message: ToLoad, answer: FromLoad['type']): Promise<FromLoad> =>
    new Promise((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`load generator exited with ${code}`));
      const onMessage = (m: FromLoad) => {
        if (m.type !== answer) return;
        child.off('message', onMessage);
        child.off('exit', exited);
        resolve(m);
      };
      child.once('exit', exited);
      child.on('message', onMessage);
      child.send(message);
    });
  child.send({ type: 'start', job } satisfies ToLoad);
  return {
    child,
    sample: async () => (await ask({ type: 'sample' }, 'sample')).report,
    stop: () => ask({ type: 'stop' }, 'stopped'),
  };
}

/**
 * VmRSS and VmHWM of a process, bytes (Linux /proc), and RSS split into anonymous memory (the heap, native
 * allocations: where a leak shows) and file pages (the store's read memory map: the database's pages read so
 * far, which grows with the file and which the kernel may drop at any time).
 */
function rss(pid: number): { rssBytes: number; peakRssBytes: number; rssAnonBytes: number; rssFileBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM'), rssAnonBytes: kb('RssAnon'), rssFileBytes: kb('RssFile') };
}

/** Heap, event-loop lag and row counts from the server's Prometheus text (process metrics are on in `curio serve`). */
async function scrape(url: string) {
  const started = performance.now();
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text();
  const scrapeMs = performance.now() - started;
  const metric = (name: string, labels = ''): number | null => {
    const m = new RegExp(`^${name}${labels.replace(/[{}]/g, '\\$&')} ([0-9.e+-]+)$`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };
  const ms = (v: number | null) => (v === null ? null : Number((v * 1000).toFixed(2)));
  return {
    heapUsedBytes: metric('nodejs_heap_size_used_bytes'),
    heapTotalBytes: metric('nodejs_heap_size_total_bytes'),
    externalBytes: metric('nodejs_external_memory_bytes'),
    eventLoopLagP99Ms: ms(metric('nodejs_eventloop_lag_p99_seconds')),
    eventLoopLagMaxMs: ms(metric('nodejs_eventloop_lag_max_seconds')),
    // Each V8 space's committed size: which one grows, when the heap's committed total does.
    heapSpaceTotalBytes: Object.fromEntries(
      [...text.matchAll(/^nodejs_heap_space_size_total_bytes\{space="([a-z_]+)"\} ([0-9.e+-]+)$/gm)].map((m) => [m[1], Number(m[2])]),
    ),
    storeEvents: metric('curio_store_rows', '{kind="events"}'),
    storeUsers: metric('curio_store_rows', '{kind="users"}'),
    scrapeMs: Number(scrapeMs.toFixed(1)),
  };
}

function storeBytes(path: string): { dbBytes: number; walBytes: number } {
  const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);
  return { dbBytes: size(path), walBytes: size(`${path}-wal`) };
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number | null {
  if (xs.length < 2) return null;
  const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
  const my = ys.reduce((s, y) => s + y, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? null : num / den;
}

const errorsOf = (k: KindStats) => k.non2xx + k.errors + k.timeouts + k.rejectedEvents;
const f1 = (v: number | null) => (v === null ? '-' : v.toFixed(1));

type Sample = Awaited<ReturnType<typeof takeSample>>;

async function takeSample(server: Server, path: string, seconds: number, load: LoadReport | null, baseBytes: number) {
  const memory = rss(server.pid);
  const metrics = await scrape(server.url);
  const bytes = storeBytes(path);
  const grown = bytes.dbBytes + bytes.walBytes - baseBytes;
  const slates = load?.slatesServed ?? 0;
  return {
    seconds: Number(seconds.toFixed(1)),
    ...memory,
    ...metrics,
    ...bytes,
    storeBytesGrowth: grown,
    slatesServed: slates,
    storeBytesPerSlate: slates > 0 ? Math.round(grown / slates) : null,
    eventsSent: load?.eventsSent ?? 0,
    feedbackEvents: load?.feedbackEvents ?? 0,
    errors: load ? KINDS.reduce((s, k) => s + errorsOf(load.kinds[k]), 0) : 0,
    generatorSendLagP99Ms: load?.sendLagP99Ms ?? null,
    pendingRequests: load?.pending ?? 0,
    kinds: load?.kinds ?? null,
  };
}

function progress(s: Sample): string {
  const kind = (k: Kind) => (s.kinds ? `${k} p50 ${f1(s.kinds[k].p50Ms)} p99 ${f1(s.kinds[k].p99Ms)}` : '');
  return (
    `${String(Math.round(s.seconds)).padStart(5)} s  rss ${(s.rssBytes / MB).toFixed(1)} MB, heap ${f1((s.heapUsedBytes ?? Number.NaN) / MB)}/${f1((s.heapTotalBytes ?? Number.NaN) / MB)} MB` +
    (s.kinds ? `  |  ${KINDS.map(kind).join('  ')} ms  |  errors ${s.errors}` : '') +
    `  |  store ${((s.dbBytes + s.walBytes) / MB).toFixed(1)} MB (wal ${(s.walBytes / MB).toFixed(1)}), +${(s.storeBytesGrowth / MB).toFixed(1)} MB` +
    `, slates ${s.slatesServed.toLocaleString('en-US')}${s.storeBytesPerSlate === null ? '' : ` → ${s.storeBytesPerSlate.toLocaleString('en-US')} B/slate`}` +
    `  |  lag p99 ${f1(s.eventLoopLagP99Ms)} ms`
  );
}

/**
 * A shop that has been running has a serving version in its registry: the server loads it (with its
 * co-visitation and popularity) instead of fitting in process, and its trainer keeps it current.
 */
async function firstVersion(path: string): Promise<ModelVersion> {
  const store = await openStore(`sqlite:${path}`);
  try {
    const config = loadConfig({ env: {}, overrides: { 'store.url': `sqlite:${path}` } });
    const ds = await datasetFromStore(store, { withCategories: true });
    const started = performance.now();
    const model = await getModelSpec(config.serving.model).fit(ds, config.serving.modelParams, {
      seed: 1,
      eventWeights: config.events.weights,
    });
    const lists = computeServingLists(ds, config.events.weights, config.serving.trendingHalfLifeHours * 3_600_000);
    const version = await registerVersion(store, {
      served: { model, itemIds: ds.items, userIds: ds.users, lists },
      window: trainingWindow(ds),
      trainSeconds: (performance.now() - started) / 1000,
      parentId: null,
      jobId: null,
      metrics: {},
      state: 'candidate',
    });
    await store.promoteModelVersion(version.id, 'first version');
    return version;
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  killStartedOnExit();
  const build = distStatus();
  if (build.stale) {
    console.warn(
      `warning: bin/curio.js runs dist/ (built ${build.builtAt ?? 'never'}), older than ${build.newestSource} (${build.newestSourceAt}): run \`npm run build\` first (npm run bench:soak does)`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'curio-soak-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true })); // also on Ctrl-C, after the servers are killed
  const path = join(dir, 'shop.db');
  try {
    const built = await buildShop(path);
    console.log(`store: ${SHOP.items} items, ${SHOP.users} users, ${built.events} events in ${built.seconds.toFixed(1)} s`);
    const first = await firstVersion(path);
    console.log(`registry: ${first.model} version ${first.id} serving (trained in ${first.trainSeconds.toFixed(1)} s)`);
    const server = await startServer(path, {
      timeoutMs: 600_000,
      env: {
        CURIO_API_KEYS: `${KEY}:ingest+read+admin`,
        CURIO_SERVING_SEED: '1',
        CURIO_SERVING_USER_CACHE_SECONDS: String(USER_CACHE_SECONDS),
        CURIO_TRAINING_WORKER: String(TRAINER),
        ...(REFRESH_SECONDS === undefined ? {} : { CURIO_SERVING_REFRESH_SECONDS: REFRESH_SECONDS }),
        ...(COMPACT_HEAP === undefined ? {} : { CURIO_COMPACT_HEAP: COMPACT_HEAP }),
      },
      onStderr: (text) => process.stderr.write(text.replace(/^(?=.)/gm, 'server: ')),
      nodeFlags: SERVER_FLAGS,
    });
    console.log(
      `server pid ${server.pid} at ${server.url} after ${(server.startMs / 1000).toFixed(1)} s (bin/curio.js serve, model fitted)`,
    );
    const { dbBytes, walBytes } = storeBytes(path);
    const baseBytes = dbBytes + walBytes;
    const loadBefore = loadavg();
    await scrape(server.url); // resets the event-loop lag histogram, which still holds the start (model fit, JIT warm-up)
    const samples: Sample[] = [await takeSample(server, path, 0, null, baseBytes)];
    console.log(progress(samples[0]));

    const load = startLoad({
      url: server.url,
      key: KEY,
      users: built.users,
      rates: RATES,
      ingestBatch: INGEST_BATCH,
      timeoutMs: TIMEOUT_MS,
      seed: SEED,
    });
    const started = performance.now();
    const totalSeconds = MINUTES * 60;
    for (let k = 1; ; k++) {
      const at = Math.min(k * SAMPLE_SECONDS, totalSeconds);
      await new Promise((r) => setTimeout(r, Math.max(0, started + at * 1000 - performance.now())));
      if (!alive(server.pid) || server.child.exitCode !== null || server.child.signalCode !== null)
        throw new Error(`the server (pid ${server.pid}) died during the soak`);
      // Every sample, the last included, is taken under load: an idle server returns memory (V8's memory
      // reducer), which would bend the RSS fit down at its end.
      const report = await load.sample();
      const sample = await takeSample(server, path, (performance.now() - started) / 1000, report, baseBytes);
      samples.push(sample);
      console.log(progress(sample));
      if (at >= totalSeconds) break;
    }
    // Stops the load and waits for the requests still in flight; the totals count them, the samples do not.
    const stopped = await load.stop();
    const total = stopped.total as Record<Kind, KindStats>;
    const residualErrors = KINDS.reduce((sum, k) => sum + errorsOf(stopped.report.kinds[k]), 0);

    // What the trainer did meanwhile: its jobs and the versions it promoted.
    const admin = async <T>(path: string): Promise<T> =>
      (await (await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as T;
    const training = {
      trainer: TRAINER,
      firstVersion: first.id,
      jobs: (await admin<{ jobs: Job[] }>('/v1/admin/jobs?limit=1000')).jobs.map((j) => ({
        kind: j.kind,
        trigger: j.trigger,
        state: j.state,
        startedAt: j.startedAt,
        finishedAt: j.finishedAt,
        decision: (j.result?.decision as string | undefined) ?? null,
      })),
      promoted: (await admin<{ versions: ModelVersion[] }>('/v1/admin/models?limit=1000')).versions.filter((v) => v.promotedAt).length,
    };
    console.log(`trainer: ${training.jobs.length} jobs, ${training.promoted} versions promoted`);

    const shutdownStarted = performance.now();
    const exit = await stopServer(server);
    const shutdownMs = Math.round(performance.now() - shutdownStarted);
    console.log(`server SIGTERM → ${exit.signal ?? `exit ${exit.code}`} in ${(shutdownMs / 1000).toFixed(1)} s`);

    const after = samples.filter((s) => s.seconds >= WARM_UP_SECONDS);
    const fit = (f: (s: Sample) => number | null) => {
      const rows = after.filter((s) => f(s) !== null);
      const v = slope(
        rows.map((s) => s.seconds / 60),
        rows.map((s) => (f(s) as number) / MB),
      );
      return v === null ? null : Number(v.toFixed(3));
    };
    const rssSlope = fit((s) => s.rssBytes);
    const lastSample = samples.at(-1) as Sample;
    const loaded = samples.filter((s) => s.kinds !== null);
    // Intervals that began after the warm-up.
    const afterLoaded = samples.slice(1).filter((_, i) => samples[i].seconds >= WARM_UP_SECONDS - 0.5);
    const p99PerInterval = Object.fromEntries(KINDS.map((k) => [k, loaded.map((s) => s.kinds?.[k].p99Ms ?? null)])) as Record<
      Kind,
      Array<number | null>
    >;
    const totals = total;
    const errors = Object.fromEntries(
      KINDS.map((k) => [
        k,
        {
          total: errorsOf(totals[k]),
          non2xx: totals[k].non2xx,
          errors: totals[k].errors,
          timeouts: totals[k].timeouts,
          rejectedEvents: totals[k].rejectedEvents,
          statuses: totals[k].statuses,
        },
      ]),
    );
    const totalErrors = KINDS.reduce((s, k) => s + errorsOf(totals[k]), 0);
    const elapsed = (samples.at(-1) as Sample).seconds; // the load ran until the last sample
    const summary = {
      minutes: MINUTES,
      warmUpSeconds: WARM_UP_SECONDS,
      samplesInFit: after.length,
      rssSlopeMbPerMin: rssSlope,
      rssAnonSlopeMbPerMin: fit((s) => s.rssAnonBytes),
      rssFileSlopeMbPerMin: fit((s) => s.rssFileBytes),
      heapUsedSlopeMbPerMin: fit((s) => s.heapUsedBytes),
      heapTotalSlopeMbPerMin: fit((s) => s.heapTotalBytes),
      heapSpaceTotalSlopeMbPerMin: Object.fromEntries(
        Object.keys(lastSample.heapSpaceTotalBytes ?? {}).map((space) => [space, fit((s) => s.heapSpaceTotalBytes?.[space] ?? null)]),
      ),
      rssStartMb: Number((samples[0].rssBytes / MB).toFixed(1)),
      rssEndMb: Number((lastSample.rssBytes / MB).toFixed(1)),
      rssPeakMb: Number((lastSample.peakRssBytes / MB).toFixed(1)),
      p99MsPerInterval: p99PerInterval,
      p99MsMaxInterval: Object.fromEntries(KINDS.map((k) => [k, Math.max(...p99PerInterval[k].map((v) => v ?? 0))])),
      // The first pass over the users reads each from the store (bench/serve.ts's cold pass): the intervals
      // after the warm-up show the steady state apart from it.
      afterWarmUp: {
        intervals: afterLoaded.length,
        p99MsMaxInterval: Object.fromEntries(KINDS.map((k) => [k, Math.max(...afterLoaded.map((s) => s.kinds?.[k].p99Ms ?? 0))])),
        errors: afterLoaded.reduce((sum, s) => sum + s.errors, 0) + residualErrors,
      },
      whole: Object.fromEntries(
        KINDS.map((k) => [
          k,
          {
            sent: totals[k].sent,
            ok: totals[k].ok,
            okPerSecond: Number((totals[k].ok / elapsed).toFixed(1)),
            p50Ms: totals[k].p50Ms,
            p99Ms: totals[k].p99Ms,
            maxMs: totals[k].maxMs,
          },
        ]),
      ),
      errors,
      totalErrors,
      /** Of them, requests that ended after the last sample, while the load stopped. */
      errorsAfterLastSample: residualErrors,
      slatesServed: lastSample.slatesServed,
      eventsSent: lastSample.eventsSent,
      feedbackEvents: lastSample.feedbackEvents,
      storeBytesStart: baseBytes,
      storeBytesEnd: lastSample.dbBytes + lastSample.walBytes,
      storeBytesPerSlate: lastSample.storeBytesPerSlate,
      shutdown: { ...exit, ms: shutdownMs },
      target: {
        ...TARGET,
        rssSlopeMet: rssSlope === null ? null : rssSlope <= TARGET.rssSlopeMbPerMin,
        errorsMet: totalErrors <= TARGET.errors,
      },
    };
    console.log(
      `RSS slope after ${WARM_UP_SECONDS} s warm-up: ${rssSlope ?? '-'} MB/min over ${after.length} samples (target ≤ ${TARGET.rssSlopeMbPerMin}); ` +
        `of which anonymous ${summary.rssAnonSlopeMbPerMin ?? '-'}, file pages ${summary.rssFileSlopeMbPerMin ?? '-'}; ` +
        `heap ${summary.heapUsedSlopeMbPerMin ?? '-'} MB/min; RSS ${summary.rssStartMb} → ${summary.rssEndMb} MB (peak ${summary.rssPeakMb})`,
    );
    console.log(`p99 per interval (ms): ${KINDS.map((k) => `${k} [${p99PerInterval[k].map(f1).join(', ')}]`).join('; ')}`);
    console.log(
      `whole run: ${KINDS.map((k) => `${k} ${summary.whole[k].okPerSecond}/s ok, p50 ${f1(summary.whole[k].p50Ms)} p99 ${f1(summary.whole[k].p99Ms)} ms`).join('; ')}`,
    );
    console.log(
      `after warm-up: ${summary.afterWarmUp.intervals} intervals, worst p99 ${KINDS.map((k) => `${k} ${f1(summary.afterWarmUp.p99MsMaxInterval[k])}`).join(', ')} ms, errors ${summary.afterWarmUp.errors}`,
    );
    console.log(
      `errors ${totalErrors} (target 0); slates ${summary.slatesServed.toLocaleString('en-US')}, store +${((summary.storeBytesEnd - baseBytes) / MB).toFixed(1)} MB → ` +
        `${summary.storeBytesPerSlate?.toLocaleString('en-US') ?? '-'} B per served slate (ingest included: ${summary.eventsSent.toLocaleString('en-US')} events, ${summary.feedbackEvents.toLocaleString('en-US')} with a recommendationId)`,
    );
    const out = {
      bench: 'soak',
      date: new Date().toISOString(),
      setup: {
        shop: SHOP,
        events: built.events,
        buildSeconds: Number(built.seconds.toFixed(1)),
        serverStartSeconds: Number((server.startMs / 1000).toFixed(2)),
        server: 'bin/curio.js serve (the real executable; RSS from /proc/<pid>/status of that pid)',
        build,
        rates: RATES,
        ingestBatch: INGEST_BATCH,
        timeoutMs: TIMEOUT_MS,
        sampleSeconds: SAMPLE_SECONDS,
        userCacheSeconds: USER_CACHE_SECONDS,
        refreshSeconds: REFRESH_SECONDS === undefined ? 'configuration default' : Number(REFRESH_SECONDS),
        compactHeap: COMPACT_HEAP ?? 'configuration default',
        serverFlags: SERVER_FLAGS ?? [],
        seed: SEED,
        training,
        load: "open loop (bench/soak-load.ts): request i of a kind due at i / rate, latency from its due time; rec = GET /v1/users/:id/recommendations?n=10 (known users, fixed stride), anon = POST /v1/recommendations (1–5 views, a new visitorId every 4 requests), ingest = POST /v1/events (50% views, 35% clicks, 10% carts, 5% purchases of earlier slates' items with their recommendationId)",
        node: process.version,
        cpus: cpus().length,
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadavg(),
      },
      summary,
      samples,
    };
    const file = argValue('out') ?? 'bench/results/soak.json';
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`wrote ${file}`);
  } finally {
    await killStarted();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
