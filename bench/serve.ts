/**
 * Load test of GET /v1/users/:id/recommendations with a 50,000-item catalogue and the live model.
 * This process orchestrates three children (bench/serve-child.ts): one generates a synthetic shop into a
 * SQLite file, one serves it, and a third, lean one drives the server open-loop at fixed rates
 * (bench/open-loop.ts: latency from each request's due time): known users in a fixed stride, default
 * pipeline (transition model, ε-greedy, exploreWeight 0.1, one impression event logged per slot). A cold
 * pass first asks for every user once (each request a user's first: store reads), then the rates run on
 * users the server has seen within its user-cache lifetime. Each rate also reports how the server itself timed
 * the same requests (its request-duration histogram), so a tail spent outside request handling shows as such.
 * Then autocannon measures the closed-loop
 * capacity (10 connections), and 2,500 sequential in-process requests the service time.
 * Run: node --import tsx bench/serve.ts [--rates 200,500,1000] [--seconds 15] [--user-cache-seconds 300] [--cold-pass-rps 500]
 *   [--policy thompson] (default: the configuration's default policy)
 *   [--profile dir] [--server-flags --trace-gc] [--out file]. */
import { type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { OpenLoopResult } from './open-loop.js';
import { KEY, SHOP, serverConfig, strided } from './serve-child.js';
import { routeBuckets, serverSide, type ServerSide } from './server-durations.js';
import {
  argValue,
  buildInChild,
  cpuJiffies,
  cpuShares,
  lagFrom,
  scrapeMetrics,
  runGenerator,
  serviceTime,
  startServerChild,
  stopChild,
  stopGenerator,
} from './serve-shared.js';

/** The first pass over all users runs at this rate (`--cold-pass-rps`). */
const COLD_PASS_RPS = Number(argValue('cold-pass-rps') ?? 500);

/** The server's per-user cache lifetime (`--user-cache-seconds`; 0 reads the store on every request). */
const USER_CACHE_SECONDS = Number(argValue('user-cache-seconds') ?? 300);
/** The explore/exploit policy the server runs (`--policy`); undefined = the configuration's default. */
const POLICY = argValue('policy');

function startChild(path: string): Promise<{ child: ChildProcess; url: string; startSeconds: number }> {
  // --profile <dir> writes a CPU profile of the server (the hot path) into <dir> when it exits.
  const profile = argValue('profile');
  // --server-flags a,b passes extra node flags to the server (e.g. --trace-gc); its output is echoed to stderr.
  // The young-generation size `curio serve` runs with (bin/curio.js); --server-flags may override it.
  const flags = [
    '--max-semi-space-size=64',
    ...(profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : []),
    ...(argValue('server-flags')?.split(',') ?? []),
  ];
  return startServerChild(path, ['--user-cache-seconds', String(USER_CACHE_SECONDS), ...(POLICY ? ['--policy', POLICY] : [])], flags);
}

interface RateResult extends OpenLoopResult {
  loadAverage1m: number;
  /** Share of the machine's CPU time (all cores) that was busy, and that the hypervisor stole, during the rate. */
  cpuBusyShare: number;
  cpuStealShare: number;
  /** Event-loop delay in the server during this rate (prom-client's monitorEventLoopDelay). */
  lagP99Ms: number;
  lagMaxMs: number;
  /** The same requests as the server timed them (server-durations.ts). */
  serverSide: ServerSide;
}

const ROUTE = '/v1/users/:id/recommendations';

/** The next user in the stride, continued across rates. */
let nextUser = 0;
const userPath = (users: string[]) => (): string => strided(users, nextUser++);

/** Open-loop load at a fixed rate (see open-loop.ts). */
async function load(url: string, users: string[], rate: number, seconds: number): Promise<RateResult> {
  // One scrape on each side: the first resets the event-loop delay histogram, the second reads it.
  const timedBefore = routeBuckets(await scrapeMetrics(url), ROUTE);
  const before = cpuJiffies();
  const result = await runGenerator({ url, rate, seconds, users, offset: nextUser });
  nextUser += Math.round(rate * seconds);
  const after = cpuJiffies();
  const metrics = await scrapeMetrics(url);
  const server = serverSide(timedBefore, routeBuckets(metrics, ROUTE));
  return { ...result, loadAverage1m: loadavg()[0], ...cpuShares(before, after), ...lagFrom(metrics), serverSide: server };
}

/** Closed-loop capacity: autocannon with `connections` requests always in flight, as fast as the server answers. */
async function capacity(url: string, users: string[], seconds: number, connections: number) {
  const path = userPath(users);
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${KEY}` },
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: path() }) }],
  });
  return {
    connections,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

async function main(): Promise<void> {
  const rates = (argValue('rates') ?? '200,500,1000').split(',').map(Number);
  const seconds = Number(argValue('seconds') ?? 15);
  const dir = mkdtempSync(join(tmpdir(), 'curio-serve-bench-'));
  const path = join(dir, 'shop.db');
  let child: ChildProcess | null = null;
  try {
    const built = await buildInChild(path);
    console.log(`store: ${SHOP.items} items, ${SHOP.users} users, ${built.events} events in ${built.seconds.toFixed(1)}s`);
    const server = await startChild(path);
    child = server.child;
    console.log(`server ready at ${server.url} after ${server.startSeconds}s (includes fitting the model)`);
    const loadBefore = loadavg();
    // Warm-up on users the shop has never seen (cold-start slates): HTTP, auth, logging and the SQLite page
    // cache get going without touching the users the cold pass measures.
    await runGenerator({ url: server.url, rate: 200, seconds: 4, users: 'warm-up', offset: 0 });
    // The cold pass asks for every user once at COLD_PASS_RPS: each request is that user's first, so the
    // server reads them from the store (and JIT and page cache warm up). The rates after it see users the
    // server has served within serving.userCacheSeconds, the steady state of shoppers browsing a shop.
    const coldPass = await load(server.url, built.users, COLD_PASS_RPS, built.users.length / COLD_PASS_RPS);
    console.log(
      `cold pass (each user's first request) at ${COLD_PASS_RPS} req/s: p50 ${coldPass.p50Ms} ms, p90 ${coldPass.p90Ms} ms, p99 ${coldPass.p99Ms} ms, p99.9 ${coldPass.p999Ms} ms, errors ${coldPass.errors}, load ${coldPass.loadAverage1m.toFixed(2)}`,
    );
    const results: RateResult[] = [];
    for (const rate of rates) {
      const r = await load(server.url, built.users, rate, seconds);
      results.push(r);
      console.log(
        `${String(rate).padStart(5)} req/s: achieved ${r.achievedRps.toFixed(0)}, p50 ${r.p50Ms} ms, p90 ${r.p90Ms} ms, p99 ${r.p99Ms} ms, p99.9 ${r.p999Ms} ms, event-loop lag p99 ${r.lagP99Ms.toFixed(1)} ms (max ${r.lagMaxMs.toFixed(0)}), generator send lag p99 ${r.sendLagP99Ms} ms (max ${r.sendLagMaxMs}), server-side p99 ≤ ${r.serverSide.p99AtMostMs} ms (${(r.serverSide.over10msShare * 100).toFixed(2)}% over 10 ms), cpu busy ${(r.cpuBusyShare * 100).toFixed(0)}% steal ${(r.cpuStealShare * 100).toFixed(1)}%, errors ${r.errors}, non-2xx ${r.non2xx}, load ${r.loadAverage1m.toFixed(2)}`,
      );
    }
    const closedLoop = await capacity(server.url, built.users, Math.min(seconds, 10), 10);
    console.log(
      `capacity (autocannon, ${closedLoop.connections} connections, closed loop): ${closedLoop.requestsPerSecond} req/s, p50 ${closedLoop.p50Ms} ms, p99 ${closedLoop.p99Ms} ms`,
    );
    await stopChild(child);
    const service = await serviceTime(serverConfig(path, USER_CACHE_SECONDS, POLICY), built.users, 2500);
    console.log(`service time in-process (sequential): mean ${service.meanMs} ms, p50 ${service.p50Ms} ms, p99 ${service.p99Ms} ms`);
    // Repeat a rate in --rates (e.g. 200,500,500,500,1000) to judge it by the median p99 of its runs.
    const p99At500 = results
      .filter((r) => r.targetRps === 500)
      .map((r) => r.p99Ms)
      .sort((a, b) => a - b);
    const medianP99At500 = p99At500.length ? p99At500[(p99At500.length - 1) >> 1] : null;
    const out = {
      bench: 'serve',
      date: new Date().toISOString(),
      setup: {
        shop: SHOP,
        events: built.events,
        route: 'GET /v1/users/:id/recommendations?n=10',
        secondsPerRate: seconds,
        cpus: cpus().length,
        serverStartSeconds: server.startSeconds,
        userCacheSeconds: USER_CACHE_SECONDS,
        policy: serverConfig(path, USER_CACHE_SECONDS, POLICY).serving.policy,
        load: 'open loop (bench/open-loop.ts): request i due at i / rate, latency from its due time; users in a fixed stride, continued across rates',
      },
      loadAverageBefore: loadBefore,
      coldPass: { ratePerSecond: COLD_PASS_RPS, ...coldPass },
      results,
      capacityClosedLoop: closedLoop,
      serviceTimeInProcess: service,
      loadAverageAfter: loadavg(),
      target: {
        p99MsAt500: 10,
        runsAt500: p99At500,
        medianP99MsAt500: medianP99At500,
        met: medianP99At500 === null ? null : medianP99At500 <= 10,
      },
    };
    const file = argValue('out') ?? 'bench/results/serve.json';
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`wrote ${file}`);
  } finally {
    stopGenerator();
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
// Exit explicitly: after some runs a MessagePort (seen in getActiveResourcesInfo) outlives the in-process
// app and its store, keeping the bench alive after it wrote its results; which worker owns it is not yet found.
process.exit(0);
