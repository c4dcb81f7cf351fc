/**
 * What one recommendation request allocates, in-process: the 50,000-item shop of bench/serve.ts with a
 * curio-seq version serving through the HNSW index (as bench/serve-training.ts serves it), one pass over
 * every user to fill the caches, then `--requests` requests over HTTP (one keep-alive socket; the client's
 * own allocations count too) in the same stride, three times: under V8's sampling heap profiler with
 * collected objects counted (bytes per request and the functions that allocate most); under it again
 * counting only what outlived a young-generation collection (what a collection copies, so what sets its
 * pause); and plain (time per request, young- and old-generation collections and their pauses). Allocation
 * sets how often the young generation is collected, what survives sets how long each collection holds the
 * thread, and a pause falls on whichever requests are waiting, so these are the numbers behind the serving
 * tail (docs/benchmarks.md).
 *
 *   node --import tsx bench/request-alloc.ts [--shop path] [--requests 10000] [--user-vector-cache 10000]
 *     [--via http|inject] [--out bench/results/request-alloc.json]
 *
 * `--shop` names the store: one built by an earlier run is reused, a missing one is built there and kept
 * (about 4 minutes: the shop and two curio-seq versions); without it the shop is built in a temporary
 * directory and removed at the end. Run it with --max-semi-space-size=64 as
 * the server runs (`npm run bench:request-alloc` does).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as perf, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { KEY, serverConfig } from './serve-child.js';
import { argValue, buildInChild, machineInfo, median } from './serve-shared.js';
import { trainServingVersions } from './serve-versions.js';
import { datasetFromStore } from '../src/data/index.js';
import { createApp } from '../src/serve/index.js';
import { openStore } from '../src/store/index.js';

const REQUESTS = Number(argValue('requests') ?? 10_000);
const VECTOR_CACHE = Number(argValue('user-vector-cache') ?? 10_000);
/** How the requests reach the app: over HTTP (default) or through `app.inject`, for comparison. */
const VIA = argValue('via') ?? 'http';
if (VIA !== 'http' && VIA !== 'inject') throw new Error(`--via: '${VIA}' is not http or inject`);
const OUT = argValue('out') ?? 'bench/results/request-alloc.json';
const SAMPLING_BYTES = 4096;

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children?: ProfileNode[];
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/** A young-generation collection now (V8's `gc`, exposed for this call without a command-line flag). */
function collectYoung(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options: { type: 'minor' }) => void;
  gc({ type: 'minor' });
}

/** Bytes allocated per function (self), from a sampling heap profile. */
function bySelf(head: ProfileNode): Map<string, number> {
  const out = new Map<string, number>();
  const stack = [head];
  while (stack.length > 0) {
    const n = stack.pop()!;
    const file = n.callFrame.url.split('/').pop() ?? '';
    const key = `${n.callFrame.functionName || '(anonymous)'} ${file}`.trim();
    out.set(key, (out.get(key) ?? 0) + n.selfSize);
    stack.push(...(n.children ?? []));
  }
  return out;
}

async function main(): Promise<void> {
  const loadBefore = loadavg();
  let dir: string | null = null;
  let path = argValue('shop');
  if (!path) {
    dir = mkdtempSync(join(tmpdir(), 'curio-request-alloc-'));
    path = join(dir, 'shop.db');
  }
  if (!existsSync(path)) {
    const built = await buildInChild(path);
    console.log(`store: ${built.events} events in ${built.seconds.toFixed(1)} s`);
    await trainServingVersions(path, {
      params: { dim: 32, blocks: 2, heads: 2, maxLen: 50, epochs: 2, loss: 'sampled' },
      maxTrainSeconds: 180,
    });
  }
  try {
    const config = serverConfig(path, 300, undefined, {
      overrides: { 'serving.annMinItems': 1, 'serving.refreshIntervalSeconds': 0, 'serving.userVectorCache': VECTOR_CACHE },
    });
    const store = await openStore(config.store.url);
    const app = createApp({ config, store, processMetrics: false });
    await app.ready();
    const users = [...(await datasetFromStore(store)).users];
    if (users.length === 0) throw new Error('the shop has no users');
    // Over a real socket, as a client asks: with `app.inject` (`--via inject`) each response's objects lived
    // long enough to be promoted, so its young collections measured the harness more than the server.
    const address = VIA === 'http' ? await app.listen({ port: 0, host: '127.0.0.1' }) : '';
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const ask = async (k: number): Promise<void> => {
      const url = `/v1/users/${encodeURIComponent(users[(k * 7919) % users.length])}/recommendations?n=10`;
      const headers = { authorization: `Bearer ${KEY}` };
      if (VIA === 'inject') {
        const res = await app.inject({ method: 'GET', url, headers });
        if (res.statusCode !== 200) throw new Error(`${url}: status ${res.statusCode}: ${res.body}`);
        return;
      }
      await new Promise<void>((resolve, reject) => {
        const req = get(address + url, { agent, headers }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${url}: status ${res.statusCode}`))));
        });
        req.on('error', reject);
      });
    };
    const progress = (label: string, k: number, n: number) => {
      if (k % Math.max(1, Math.floor(n / 10)) === 0) console.log(`  ${label} ${k}/${n}`);
    };
    console.log(`cold pass over ${users.length} users`);
    for (let k = 0; k < users.length; k++) {
      progress('cold pass', k, users.length);
      await ask(k);
    }

    // Allocation, with the sampling profiler counting objects that were collected too; then what outlived a
    // young-generation collection (objects a minor collection freed are left out), which is what a
    // collection copies and so what sets its pause.
    const session = new Session();
    session.connect();
    await session.post('HeapProfiler.enable');
    const sample = async (label: string, offset: number, includeYoungGarbage: boolean): Promise<Map<string, number>> => {
      await session.post('HeapProfiler.startSampling', {
        samplingInterval: SAMPLING_BYTES,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: includeYoungGarbage,
      });
      for (let k = 0; k < REQUESTS; k++) {
        progress(label, k, REQUESTS);
        await ask(offset + k);
      }
      // What the last collection has not reached yet would count as surviving: collect it first.
      if (!includeYoungGarbage) collectYoung();
      const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
      return bySelf(profile.head);
    };
    const self = await sample('profiled', users.length, true);
    const survived = await sample('survivors', users.length + REQUESTS, false);
    await session.post('HeapProfiler.disable');
    session.disconnect();
    const total = [...self.values()].reduce((a, b) => a + b, 0);
    const survivedTotal = [...survived.values()].reduce((a, b) => a + b, 0);

    // Time and collections, without the profiler.
    const pauses: Record<'minor' | 'major', number[]> = { minor: [], major: [] };
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries() as Array<PerformanceEntry & { detail?: { kind?: number } }>) {
        const kind = e.detail?.kind;
        if (kind === perf.NODE_PERFORMANCE_GC_MINOR) pauses.minor.push(e.duration);
        else if (kind === perf.NODE_PERFORMANCE_GC_MAJOR) pauses.major.push(e.duration);
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    const times: number[] = [];
    const cpu = process.cpuUsage();
    for (let k = 0; k < REQUESTS; k++) {
      progress('timed', k, REQUESTS);
      const started = performance.now();
      await ask(users.length + 2 * REQUESTS + k);
      times.push(performance.now() - started);
    }
    const used = process.cpuUsage(cpu);
    await new Promise((resolve) => setTimeout(resolve, 100));
    observer.disconnect();
    agent.destroy();
    await app.close();
    await store.close();

    times.sort((a, b) => a - b);
    const at = (q: number) => round(times[Math.floor(q * (times.length - 1))], 3);
    const top = (bytes: Map<string, number>) =>
      [...bytes.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 15)
        .map(([fn, n]) => ({ function: fn, bytesPerRequest: Math.round(n / REQUESTS) }));
    const commit = (() => {
      try {
        return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
      } catch {
        return 'unknown';
      }
    })();
    const out = {
      bench: 'request-alloc',
      date: new Date().toISOString(),
      commit,
      machine: machineInfo(loadBefore),
      settings: {
        shop: 'bench/serve-child.ts SHOP (50,000 items, 10,000 users) with two curio-seq versions (bench/serve-versions.ts), the first serving',
        route:
          'GET /v1/users/:id/recommendations?n=10 over HTTP (one keep-alive socket, the client in this process), users in a stride, after a cold pass over every user',
        requests: REQUESTS,
        userVectorCache: VECTOR_CACHE,
        heapSamplingBytes: SAMPLING_BYTES,
        execArgv: process.execArgv.filter((a) => !a.includes('tsx')),
      },
      bytesPerRequest: Math.round(total / REQUESTS),
      topAllocators: top(self),
      survivingBytesPerRequest: Math.round(survivedTotal / REQUESTS),
      topSurvivors: top(survived),
      requestMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: at(1) },
      cpuMsPerRequest: round((used.user + used.system) / 1000 / REQUESTS, 3),
      collections: {
        minorPer1000Requests: round((1000 * pauses.minor.length) / REQUESTS),
        minorPauseMs: { median: round(median(pauses.minor)), max: round(Math.max(0, ...pauses.minor)) },
        major: pauses.major.length,
        majorPauseMs: { median: round(median(pauses.major)), max: round(Math.max(0, ...pauses.major)) },
      },
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(OUT, `${JSON.stringify(out, null, 2)}\n`);
    console.log(
      `${out.bytesPerRequest} bytes per request, ${out.survivingBytesPerRequest} outliving a young collection; ${out.collections.minorPer1000Requests} young-generation collections per 1,000 requests ` +
        `(median pause ${out.collections.minorPauseMs.median} ms), ${out.collections.major} old-generation; request p50 ${out.requestMs.p50} ms, ` +
        `p99 ${out.requestMs.p99} ms; cpu ${out.cpuMsPerRequest} ms per request. wrote ${OUT}`,
    );
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
