/**
 * One long open-loop run against GET /v1/users/:id/recommendations, reported per second, to see where a
 * tail comes from (start-up, the first pass over users, steady state) and to compare server node flags
 * in one sitting: the flag sets run one after the other on fresh copies of the same shop.
 * Run: node --import tsx bench/serve-timeline.ts [--rate 500] [--seconds 60]
 *   [--flag-sets "--max-semi-space-size=16;--max-semi-space-size=64"] [--out file]
 * Steady state is the last 15 s; users come back every users / rate seconds (10,000 / 500 = 20 s).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { KEY } from './serve-child.js';

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const RATE = Number(argValue('rate') ?? 500);
const SECONDS = Number(argValue('seconds') ?? 60);
const STEADY_SECONDS = 15;
const SERVE = new URL('./serve-child.ts', import.meta.url).pathname;

interface Second {
  second: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const quantile = (sorted: number[], q: number): number =>
  Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2));

/** Starts bench/serve-child.ts --server on `path` with `flags` and resolves its URL. */
function startServer(path: string, flags: string[]): Promise<{ url: URL; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', SERVE, '--server', path], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const m = /^READY (\S+)/.exec(line);
      if (m)
        resolve({
          url: new URL(m[1]),
          stop: () =>
            new Promise((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

/** Open loop at RATE for SECONDS (latency from each request's due time); [due offset ms, latency ms] per request. */
async function drive(url: URL): Promise<Array<[number, number]>> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const total = RATE * SECONDS;
  const start = performance.now() + 20;
  const out: Array<[number, number]> = [];
  const pending: Array<Promise<void>> = [];
  const send = (i: number, due: number) =>
    new Promise<void>((resolve) => {
      const path = `/v1/users/u${1 + ((i * 7919) % 10_000)}/recommendations?n=10`;
      const req = request({ host: url.hostname, port: url.port, path, agent, headers: { authorization: `Bearer ${KEY}` } }, (res) => {
        res.resume();
        res.on('end', () => {
          out.push([due - start, performance.now() - due]);
          resolve();
        });
      });
      req.on('error', () => resolve());
      req.end();
    });
  let sent = 0;
  await new Promise<void>((done) => {
    const tick = (): void => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / RATE <= now) {
        pending.push(send(sent, start + (sent * 1000) / RATE));
        sent++;
      }
      if (sent >= total) return done();
      setTimeout(tick, Math.max(0, start + (sent * 1000) / RATE - performance.now()));
    };
    setTimeout(tick, 20);
  });
  await Promise.all(pending);
  agent.destroy();
  return out;
}

function summarise(samples: Array<[number, number]>) {
  const bySecond = new Map<number, number[]>();
  for (const [t, l] of samples) {
    const s = Math.floor(t / 1000);
    const list = bySecond.get(s) ?? [];
    list.push(l);
    bySecond.set(s, list);
  }
  const seconds: Second[] = [...bySecond]
    .sort((a, b) => a[0] - b[0])
    .map(([second, ls]) => {
      ls.sort((a, b) => a - b);
      return { second, p50Ms: quantile(ls, 0.5), p99Ms: quantile(ls, 0.99), maxMs: Number(ls[ls.length - 1].toFixed(2)) };
    });
  const steady = samples
    .filter(([t]) => t >= (SECONDS - STEADY_SECONDS) * 1000)
    .map(([, l]) => l)
    .sort((a, b) => a - b);
  return {
    steady: {
      requests: steady.length,
      p50Ms: quantile(steady, 0.5),
      p99Ms: quantile(steady, 0.99),
      p999Ms: quantile(steady, 0.999),
      maxMs: Number(steady[steady.length - 1].toFixed(2)),
      over10Ms: steady.filter((l) => l > 10).length,
    },
    seconds,
  };
}

async function main(): Promise<void> {
  const flagSets = (argValue('flag-sets') ?? '--max-semi-space-size=16;--max-semi-space-size=64')
    .split(';')
    .map((f) => f.split(',').filter(Boolean));
  const dir = mkdtempSync(join(tmpdir(), 'curio-serve-timeline-'));
  const runs = [];
  try {
    const shop = join(dir, 'shop.db');
    const build = spawn(process.execPath, ['--import', 'tsx', SERVE, '--build', shop], { stdio: ['ignore', 'ignore', 'inherit'] });
    await new Promise((resolve) => build.once('exit', resolve));
    for (const flags of flagSets) {
      const copy = join(dir, `run-${runs.length}.db`);
      copyFileSync(shop, copy);
      const server = await startServer(copy, flags);
      const summary = summarise(await drive(server.url));
      await server.stop();
      rmSync(copy, { force: true });
      console.log(
        `${flags.join(' ') || '(no flags)'}: steady state (last ${STEADY_SECONDS} s) p50 ${summary.steady.p50Ms} ms, p99 ${summary.steady.p99Ms} ms, p99.9 ${summary.steady.p999Ms} ms, max ${summary.steady.maxMs} ms, ${summary.steady.over10Ms} requests over 10 ms`,
      );
      runs.push({ flags, ...summary });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const file = argValue('out') ?? 'bench/results/serve-timeline.json';
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify({ bench: 'serve-timeline', date: new Date().toISOString(), ratePerSecond: RATE, seconds: SECONDS, steadySeconds: STEADY_SECONDS, runs }, null, 2)}\n`,
  );
  console.log(`wrote ${file}`);
}

await main();
