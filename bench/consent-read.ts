/**
 * What reading consent on every request costs (docs/privacy.md, "Consent"): a serving runtime answers a
 * user from its recent-activity cache, and since consent must hold on every node at its next request, it reads
 * the user's record (one primary-key read) beside that cache. Measured on a SQLite file and on PostgreSQL
 * (CURIO_TEST_POSTGRES_URL, else the machine's server): the time of that read alone, and of a whole cached
 * request (`forUser`, nothing logged) that includes it, over the recommendation tests' small shop; and the CPU
 * a read costs this process and, on PostgreSQL, the server's processes (the machine's, from /proc).
 *
 *   npm run bench:consent-read [-- --requests 4000 --out bench/results/consent-read.json]
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { argValue, machineInfo, procStat } from './serve-shared.js';
import { loadConfig } from '../src/core/index.js';
import { RecommendationRuntime } from '../src/recommend/index.js';
import { openStore } from '../src/store/index.js';
import { dropSchemas, postgresSchemaUrl, schemaOf } from '../test/support/postgres.js';
import { shopEvents, shopItems } from '../test/support/recommend-shop.js';

const REQUESTS = Number(argValue('requests') ?? 4000);
const OUT = argValue('out') ?? 'bench/results/consent-read.json';
const USERS = Array.from({ length: 40 }, (_, i) => `s${i}`);

/** CPU seconds of every PostgreSQL process on this machine (/proc; 0 off Linux). */
function postgresCpuSeconds(): number {
  const pids = existsSync('/proc') ? readdirSync('/proc').filter((name) => /^\d+$/.test(name)) : [];
  return pids.reduce((sum, pid) => {
    const stat = procStat(Number(pid));
    return stat?.command === 'postgres' ? sum + stat.cpuSeconds : sum;
  }, 0);
}

const quantiles = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) => Number(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(3));
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99) };
};

async function measure(kind: string, url: string) {
  const store = await openStore(url);
  await store.upsertItems(shopItems());
  await store.appendEvents(shopEvents());
  for (const id of USERS) await store.upsertUser({ id });
  const config = loadConfig({
    env: { CURIO_API_KEYS: 'bench-read-key-0123456789:read', CURIO_LOG_LEVEL: 'silent' },
    overrides: { serving: { refreshIntervalSeconds: 0, seed: 7, policy: 'epsilon-greedy', logImpressions: false } },
  });
  const runtime = new RecommendationRuntime({ config, store });
  await runtime.start();
  const request = { count: 10, exploreWeight: 0, exclude: [] };
  try {
    for (const id of USERS) await runtime.forUser({ rawId: id, storedId: id }, request); // fill the cache
    const read: number[] = [];
    const served: number[] = [];
    for (let k = 0; k < REQUESTS; k++) {
      const id = USERS[k % USERS.length];
      let t = performance.now();
      await store.getUser(id);
      read.push(performance.now() - t);
      t = performance.now();
      await runtime.forUser({ rawId: id, storedId: id }, request);
      served.push(performance.now() - t);
    }
    // CPU of the reads alone, back to back: this process's and, on PostgreSQL, its server processes'.
    const serverBefore = postgresCpuSeconds();
    const cpuBefore = process.cpuUsage();
    for (let k = 0; k < REQUESTS; k++) await store.getUser(USERS[k % USERS.length]);
    const cpu = process.cpuUsage(cpuBefore);
    const serverCpu = postgresCpuSeconds() - serverBefore;
    const row = {
      store: kind,
      requests: REQUESTS,
      consentReadMs: quantiles(read),
      cachedRequestMs: quantiles(served),
      consentReadCpuUs: {
        client: Number(((cpu.user + cpu.system) / REQUESTS).toFixed(1)),
        ...(kind === 'postgres' ? { server: Number(((serverCpu * 1e6) / REQUESTS).toFixed(1)) } : {}),
      },
    };
    console.log(
      `${kind}: consent read p50 ${row.consentReadMs.p50} ms, p99 ${row.consentReadMs.p99} ms, ` +
        `CPU ${row.consentReadCpuUs.client} µs here${kind === 'postgres' ? ` + ${row.consentReadCpuUs.server} µs in PostgreSQL` : ''}; ` +
        `cached request p50 ${row.cachedRequestMs.p50} ms, p99 ${row.cachedRequestMs.p99} ms`,
    );
    return row;
  } finally {
    await runtime.stop();
    await store.close();
  }
}

const loadBefore = loadavg();
const dir = mkdtempSync(join(tmpdir(), 'curio-consent-read-'));
const pgUrl = postgresSchemaUrl();
try {
  const rows = [await measure('sqlite', `sqlite:${join(dir, 'bench.db')}`), await measure('postgres', pgUrl)];
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(OUT, `${JSON.stringify({ bench: 'consent-read', rows, machine: machineInfo(loadBefore) }, null, 2)}\n`);
  console.log(`wrote ${OUT}`);
} finally {
  await dropSchemas([schemaOf(pgUrl)]);
  rmSync(dir, { recursive: true, force: true });
}
