/**
 * Pieces shared by the serving benches that drive a server child (bench/serve.ts, bench/serve-training.ts):
 * building the 50,000-item shop in a child, starting `serve-child.ts --server`, the long-lived open-loop
 * generator child, the machine's CPU counters and the server's event-loop delay.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import type { OpenLoopResult } from './open-loop.js';
import { CHILD, KEY, type BuiltShop, type GeneratorJob } from './serve-child.js';
import type { Config } from '../src/core/index.js';
import { createApp } from '../src/serve/index.js';
import { openStore } from '../src/store/index.js';

/** `--name value` from the command line. */
export const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/**
 * Builds the store in a child process (serve-child.ts --build) and returns what it printed: generating the
 * shop leaves a large heap of garbage, and collecting it here would compete with the server for CPU.
 */
export async function buildInChild(path: string): Promise<BuiltShop> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, '--build', path], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`store build exited with ${code}`);
  return JSON.parse(out) as BuiltShop;
}

/**
 * Runs the bench file `self` (its `import.meta.url` path) again as a child with `args` after it, and
 * parses the JSON it prints on stdout; stderr passes through. A measurement in a process of its own starts
 * from a clean heap and an allocator nothing else has used.
 */
export function runFileInChild<T>(self: string, args: string[]): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', self, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`child ${args[0]} exited with ${code}`)))),
  );
}

/** The median of `xs` (NaN when empty). */
export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Starts `serve-child.ts --server <path> ...args` under node `flags` (and `env` on top of this process's) and resolves once it prints READY;
 * its other output lines are echoed to stderr as `server: ...`.
 */
export function startServerChild(
  path: string,
  args: string[],
  flags: string[],
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string; startSeconds: number }> {
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', CHILD, '--server', path, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const match = /^READY (\S+) (\S+)/.exec(line);
      if (match) resolve({ child, url: match[1], startSeconds: Number(match[2]) });
      else process.stderr.write(`server: ${line}\n`);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

/** SIGTERM to a child (the server closes gracefully) and waits for it to exit. */
export async function stopChild(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Service time without contention from a load generator: sequential requests through app.inject in this
 * process (routing, auth, store reads, pipeline, impression buffer, JSON). 1 / mean is the one-core capacity.
 */
export async function serviceTime(
  config: Config,
  users: string[],
  requests: number,
): Promise<{ meanMs: number; p50Ms: number; p99Ms: number }> {
  const store = await openStore(config.store.url);
  const app = createApp({ config, store, processMetrics: false });
  await app.ready();
  const times: number[] = [];
  for (let k = 0; k < requests; k++) {
    const started = performance.now();
    const res = await app.inject({
      method: 'GET',
      url: `/v1/users/${users[(k * 104_729) % users.length]}/recommendations?n=10`,
      headers: { authorization: `Bearer ${KEY}` },
    });
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${res.body}`);
    if (k >= requests / 5) times.push(performance.now() - started); // the first fifth warms up
  }
  await app.close();
  await store.close();
  times.sort((a, b) => a - b);
  const at = (q: number) => Number(times[Math.floor(q * (times.length - 1))].toFixed(3));
  return { meanMs: Number((times.reduce((s, t) => s + t, 0) / times.length).toFixed(3)), p50Ms: at(0.5), p99Ms: at(0.99) };
}

/** Linux scheduling policies by number (sched.h). */
const POLICIES: Record<number, string> = { 0: 'SCHED_OTHER', 1: 'SCHED_FIFO', 2: 'SCHED_RR', 3: 'SCHED_BATCH', 5: 'SCHED_IDLE' };

/**
 * A process's command name, CPU seconds (user + system), nice value and scheduling policy from /proc (null
 * when it is gone, or off Linux).
 */
export function procStat(pid: number): { command: string; cpuSeconds: number; nice: number; policy: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the command: state(3) ppid(4) ... utime(14) stime(15) ... nice(19) ... policy(41); f[0] is field 3.
    return {
      command: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
      cpuSeconds: (Number(f[11]) + Number(f[12])) / 100,
      nice: Number(f[16]),
      policy: POLICIES[Number(f[38])] ?? `policy ${f[38]}`,
    };
  } catch {
    return null;
  }
}

/** The machine's cpu line from /proc/stat: [busy, steal, total] jiffies (Linux only; zeros elsewhere). */
export function cpuJiffies(): [number, number, number] {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
    return [user + nice + system + irq + softirq, steal, user + nice + system + idle + iowait + irq + softirq + steal];
  } catch {
    return [0, 0, 0];
  }
}

/** Busy and stolen shares of the machine's CPU time (all cores) between two `cpuJiffies()` readings. */
export function cpuShares(
  before: [number, number, number],
  after: [number, number, number],
): { cpuBusyShare: number; cpuStealShare: number } {
  const total = after[2] - before[2] || 1;
  const share = (k: 0 | 1) => Number(((after[k] - before[k]) / total).toFixed(3));
  return { cpuBusyShare: share(0), cpuStealShare: share(1) };
}

/** The server's /metrics text. Each read also resets prom-client's event-loop delay histogram. */
export async function scrapeMetrics(url: string, key = KEY): Promise<string> {
  return (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${key}` } })).text();
}

/** The event-loop delay (p99 and max, ms) in a /metrics text: since the scrape before it. */
export function lagFrom(text: string): { lagP99Ms: number; lagMaxMs: number } {
  const metric = (name: string): number => Number(new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text)?.[1] ?? Number.NaN) * 1000;
  return { lagP99Ms: metric('nodejs_eventloop_lag_p99_seconds'), lagMaxMs: metric('nodejs_eventloop_lag_max_seconds') };
}

/** The server's event-loop delay (p99 and max, ms) since the previous scrape: prom-client resets it on each collect. */
export async function eventLoopLag(url: string, key = KEY): Promise<{ lagP99Ms: number; lagMaxMs: number }> {
  return lagFrom(await scrapeMetrics(url, key));
}

let generator: ChildProcess | null = null;

/** Runs a job in the generator child process (serve-child.ts --generate), started on first use. */
export function runGenerator(job: GeneratorJob): Promise<OpenLoopResult> {
  return askGenerator(job);
}

/** Runs jobs side by side in the generator child (one per node of a cluster); their results in the same order. */
export function runGenerators(jobs: GeneratorJob[]): Promise<OpenLoopResult[]> {
  return askGenerator(jobs);
}

function askGenerator<T>(message: GeneratorJob | GeneratorJob[]): Promise<T> {
  const child = (generator ??= spawn(process.execPath, ['--import', 'tsx', CHILD, '--generate'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  }));
  return new Promise((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`load generator exited with ${code}`));
    child.once('exit', exited);
    child.once('message', (result) => {
      child.off('exit', exited);
      resolve(result as T);
    });
    child.send(message);
  });
}

/** The generator process's pid, once it has been started. */
export function generatorPid(): number | undefined {
  return generator?.pid;
}

/** Stops the generator process. */
export function stopGenerator(): void {
  if (generator?.connected) generator.send('exit');
  generator = null;
}

/** The machine a bench ran on, with the load average taken before it started and now. */
export function machineInfo(loadAverageBefore: number[]) {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    node: process.version,
    loadAverageBefore,
    loadAverageAfter: loadavg(),
  };
}
