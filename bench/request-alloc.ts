/**
 * What one recommendation request allocates, in-process: the 50,000-item shop of bench/serve.ts with a
 * curio-seq version serving through the HNSW index (as bench/serve-training.ts serves it), one pass over
 * every user to fill the caches, then `--requests` requests through `app.inject` in the same stride, twice:
 * once under V8's sampling heap profiler with collected objects counted (bytes per request and the functions
 * that allocate most), once plain (time per request, young- and old-generation collections and their
 * pauses). Allocation sets how often the young generation is collected, and a collection's pause falls on
 * whichever requests are waiting, so this is the number behind the serving tail (docs/benchmarks.md).
 *
 *   node --import tsx bench/request-alloc.ts [--shop path] [--requests 10000] [--user-vector-cache 10000]
 *     [--out bench/results/request-alloc.json]
 *
 * `--shop` reuses a store built by an earlier run (it must have a serving curio-seq version); without it the
 * shop is built and two versions trained first (about 4 minutes). Run it with --max-semi-space-size=64 as
 * the server runs (`npm run bench:request-alloc` does).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as perf, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { KEY, serverConfig } from './serve-child.js';
import { argValue, buildInChild, machineInfo, median } from './serve-shared.js';
import { trainServingVersions } from './serve-versions.js';
import { datasetFromStore } from '../src/data/index.js';
import { createApp } from '../src/serve/index.js';
import { openStore } from '../src/store/index.js';

const REQUESTS = Number(argValue('requests') ?? 10_000);
const VECTOR_CACHE = Number(argValue('user-vector-cache') ?? 10_000);
const OUT = argValue('out') ?? 'bench/results/request-alloc.json';
const SAMPLING_BYTES = 4096;

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children?: ProfileNode[];
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

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
    const built = await buildInChild(path);
    console.log(`store: ${built.events} events in ${built.seconds.toFixed(1)} s`);
    await trainServingVersions(path, {
      params: { dim: 32, blocks: 2, heads: 2, maxLen: 50, epochs: 2, loss: 'sampled' },
      maxTrainSeconds: 180,
    });
  } else if (!existsSync(path)) {
    throw new Error(`--shop ${path}: no such file`);
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
    const ask = async (k: number): Promise<void> => {
      const res = await app.inject({
        method: 'GET',
        url: `/v1/users/${encodeURIComponent(users[(k * 7919) % users.length])}/recommendations?n=10`,
        headers: { authorization: `Bearer ${KEY}` },
      });
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${res.body}`);
    };
    const progress = (label: string, k: number, n: number) => {
      if (k % Math.max(1, Math.floor(n / 10)) === 0) console.log(`  ${label} ${k}/${n}`);
    };
    console.log(`cold pass over ${users.length} users`);
    for (let k = 0; k < users.length; k++) {
      progress('cold pass', k, users.length);
      await ask(k);
    }

    // Allocation, with the sampling profiler counting objects that were collected too.
    const session = new Session();
    session.connect();
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: SAMPLING_BYTES,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    for (let k = 0; k < REQUESTS; k++) {
      progress('profiled', k, REQUESTS);
      await ask(users.length + k);
    }
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
    await session.post('HeapProfiler.disable');
    session.disconnect();
    const self = bySelf(profile.head);
    const total = [...self.values()].reduce((a, b) => a + b, 0);

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
      await ask(users.length + REQUESTS + k);
      times.push(performance.now() - started);
    }
    const used = process.cpuUsage(cpu);
    await new Promise((resolve) => setTimeout(resolve, 100));
    observer.disconnect();
    await app.close();
    await store.close();

    times.sort((a, b) => a - b);
    const at = (q: number) => round(times[Math.floor(q * (times.length - 1))], 3);
    const top = [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([fn, bytes]) => ({ function: fn, bytesPerRequest: Math.round(bytes / REQUESTS) }));
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
        route: 'GET /v1/users/:id/recommendations?n=10 through app.inject, users in a stride, after a cold pass over every user',
        requests: REQUESTS,
        userVectorCache: VECTOR_CACHE,
        heapSamplingBytes: SAMPLING_BYTES,
        execArgv: process.execArgv.filter((a) => !a.includes('tsx')),
      },
      bytesPerRequest: Math.round(total / REQUESTS),
      topAllocators: top,
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
      `${out.bytesPerRequest} bytes per request; ${out.collections.minorPer1000Requests} young-generation collections per 1,000 requests ` +
        `(median pause ${out.collections.minorPauseMs.median} ms), ${out.collections.major} old-generation; request p50 ${out.requestMs.p50} ms, ` +
        `p99 ${out.requestMs.p99} ms; cpu ${out.cpuMsPerRequest} ms per request. wrote ${OUT}`,
    );
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
