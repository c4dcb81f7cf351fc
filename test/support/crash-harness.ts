// Crash harness shared by test/crash.test.ts and bench/crash.ts: starts the real `curio serve` executable
// (bin/curio.js; the pid started is the server's), ingests from several connections, kills it with SIGKILL
// mid-ingest and checks what the store kept. Every server started here is tracked and can be killed
// at the end (killStarted), also when a test or a bench fails half-way.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';

export const ROOT = join(import.meta.dirname, '..', '..');
/** The real `curio serve`, as a user starts it (the executable, with the node flags of its first line). */
export const ENTRY = join(ROOT, 'bin', 'curio.js');
export const CRASH_KEY = 'crash-test-key-0123456789';
/** What `bin/curio.js` runs: the compiled CLI (`npm run build`; `npm test` builds it before the suite). */
export const DIST_MAIN = join(ROOT, 'dist', 'cli', 'main.js');
/** Events per ingested batch: one POST /v1/events, one transaction. */
export const BATCH_EVENTS = 500;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Server {
  child: ChildProcess;
  pid: number;
  url: string;
  exited: Promise<Exit>;
  /** From spawn to the server printing its URL (store opened, model fitted, listening). */
  startMs: number;
}

export interface StartOptions {
  /** CURIO_* settings on top of the defaults below (store, port 0, one admin key, log level warn). */
  env?: Record<string, string>;
  /** Give up (and kill the child) when it has not printed its URL by then; default 20 s. */
  timeoutMs?: number;
  /** Receives the server's stderr as it arrives (it is collected for error messages either way). */
  onStderr?: (text: string) => void;
  /** Receives the server's stdout (its log) as it arrives, byte for byte, for its whole life. */
  onStdout?: (chunk: Buffer) => void;
  /** Arguments after `serve`, e.g. `['--config', file]`. */
  args?: string[];
  /**
   * Extra node flags (e.g. --cpu-prof, which NODE_OPTIONS refuses): the server is then started as
   * `node --max-semi-space-size=64 <flags> bin/curio.js serve`, still one process whose pid is the server's.
   */
  nodeFlags?: string[];
}

/** Processes started by this module (or handed to track) and not yet exited. */
const running = new Set<ChildProcess>();
/** Every pid started by this module (or handed to track), alive or not. */
const startedPids: number[] = [];

/** Adds a child process to the ones killStarted and killStartedOnExit end; returns it. */
export function track(child: ChildProcess): ChildProcess {
  if (child.pid !== undefined) startedPids.push(child.pid);
  if (child.exitCode !== null || child.signalCode !== null) return child;
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Is a process with this pid alive? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pids started here (or tracked) that are still alive: none once a test or bench has ended. */
export function startedStillAlive(): number[] {
  return startedPids.filter(alive);
}

/** The live processes whose parent is `pid`, with their command lines (Linux /proc; empty elsewhere). */
export function childrenOf(pid: number): Array<{ pid: number; command: string }> {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const children: Array<{ pid: number; command: string }> = [];
  for (const name of entries) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid ...; comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid)
        children.push({ pid: Number(name), command: readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() });
    } catch {
      // exited while we looked
    }
  }
  return children;
}

export interface DistStatus {
  /** When dist/ was built (its cli/main.js), and the newest change under src/ (tests aside); ISO times. */
  builtAt: string | null;
  newestSourceAt: string;
  newestSource: string;
  /** A source file changed after the build: the server runs older code than src/ holds. */
  stale: boolean;
}

/** Whether the compiled server that `bin/curio.js` runs is older than the sources. */
export function distStatus(): DistStatus {
  const src = join(ROOT, 'src');
  let newest = { path: '', ms: 0 };
  for (const rel of readdirSync(src, { recursive: true }) as string[]) {
    if (!rel.endsWith('.ts') || rel.endsWith('.test.ts')) continue;
    const ms = statSync(join(src, rel)).mtimeMs;
    if (ms > newest.ms) newest = { path: join('src', rel), ms };
  }
  const built = existsSync(DIST_MAIN) ? statSync(DIST_MAIN).mtimeMs : null;
  return {
    builtAt: built === null ? null : new Date(built).toISOString(),
    newestSourceAt: new Date(newest.ms).toISOString(),
    newestSource: newest.path,
    stale: built === null || newest.ms > built,
  };
}

/** Starts `bin/curio.js serve` on `file` on a free port and resolves once it prints its URL. */
export function startServer(file: string, options: StartOptions = {}): Promise<Server> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const spawnedAt = performance.now();
  const [command, args] = options.nodeFlags?.length
    ? [process.execPath, ['--max-semi-space-size=64', ...options.nodeFlags, ENTRY, 'serve', ...(options.args ?? [])]]
    : [ENTRY, ['serve', ...(options.args ?? [])]];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      CURIO_STORE_URL: `sqlite:${file}`,
      CURIO_PORT: '0',
      CURIO_API_KEYS: `${CRASH_KEY}:admin`,
      CURIO_LOG_LEVEL: 'warn',
      CURIO_TRAINING_WORKER: 'false',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    let listening = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in ${timeoutMs / 1000} s: ${out}${err}`));
    }, timeoutMs);
    // Both pipes are read for the server's whole life: a full pipe would block its writes.
    child.stderr!.on('data', (d: Buffer) => {
      if (err.length < 100_000) err += d;
      options.onStderr?.(d.toString());
    });
    child.stdout!.on('data', (d: Buffer) => {
      options.onStdout?.(d);
      if (listening) return;
      out += d;
      const match = /http:\/\/[\w.[\]:-]+:\d+/.exec(out);
      if (match) {
        listening = true;
        clearTimeout(timer);
        resolve({ child, pid: child.pid as number, url: match[0], exited, startMs: performance.now() - spawnedAt });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code ?? signal} before listening: ${err}`));
    });
  });
}

/** Sends `signal` (SIGTERM: graceful shutdown) and resolves with how the server exited. */
export async function stopServer(server: Server, signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill(signal);
  return server.exited;
}

/** SIGKILLs every process started here (or tracked) that is still running and waits until each has exited. */
export async function killStarted(): Promise<void> {
  const exits = [...running].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(exits);
}

/**
 * For scripts: SIGKILLs the tracked processes still running when this process exits, however it exits
 * (an error, Ctrl-C or SIGTERM included), so no server outlives its bench.
 */
export function killStartedOnExit(): void {
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
}

/** Batch `n`: BATCH_EVENTS view and cart events, ids `${prefix}${n}-${i}`, unique per prefix and n. */
export function eventBatch(n: number, prefix = 'b'): Array<Record<string, unknown>> {
  return Array.from({ length: BATCH_EVENTS }, (_, i) => ({
    id: `${prefix}${n}-${i}`,
    userId: `u${(n * 7 + i) % 97}`,
    itemId: `i${i % 53}`,
    type: i % 10 === 0 ? 'cart' : 'view',
    timestamp: 1_700_000_000_000 + n * BATCH_EVENTS + i,
  }));
}

/** POST /v1/events; resolves with the answer of a 2xx, throws on anything else (a dead server included). */
export async function postEvents(url: string, events: unknown[], key = CRASH_KEY): Promise<{ accepted: number; duplicates: number }> {
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });
  if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}`);
  return (await res.json()) as { accepted: number; duplicates: number };
}

export interface KillMoment {
  /** Batches acknowledged so far. */
  acked: number;
  /** Requests sent and not yet answered. */
  outstanding: number;
  elapsedMs: number;
}

export interface IngestOptions {
  workers: number;
  /** The events of batch n (n counts up from 0 across all workers). */
  batch: (n: number) => unknown[];
  /** Polled every pollMs while ingest runs; the server is killed the first time it returns true. */
  killWhen: (moment: KillMoment) => boolean;
  pollMs?: number;
  key?: string;
}

export interface IngestOutcome {
  /** Batches answered with a 2xx. */
  acked: Set<number>;
  /** Batches sent, in order. */
  sent: number[];
  /** At the moment of the kill. */
  atKill: KillMoment;
}

/**
 * Sustained ingest from `workers` connections, each posting its next batch as soon as the previous one
 * is answered, until `killWhen` says so; then SIGKILL, and resolves once every request has settled.
 * A batch is acknowledged only by a 2xx answer.
 */
export async function ingestUntilKill(server: Server, options: IngestOptions): Promise<IngestOutcome> {
  const acked = new Set<number>();
  const sent: number[] = [];
  let next = 0;
  let outstanding = 0;
  let killed = false;
  const worker = async () => {
    while (!killed) {
      const n = next++;
      sent.push(n);
      outstanding++;
      try {
        await postEvents(server.url, options.batch(n), options.key);
        acked.add(n); // even an answer that lands after the kill was an acknowledgement
      } catch {
        return; // the server is gone
      } finally {
        outstanding--;
      }
    }
  };
  const started = Date.now();
  const workers = Array.from({ length: options.workers }, worker);
  const moment = (): KillMoment => ({ acked: acked.size, outstanding, elapsedMs: Date.now() - started });
  while (!options.killWhen(moment())) await new Promise((r) => setTimeout(r, options.pollMs ?? 5));
  const atKill = moment();
  server.child.kill('SIGKILL');
  killed = true;
  await Promise.all(workers);
  return { acked, sent, atKill };
}

/** Ids of every event in the SQLite store at `file` (read through the store, beside a running server). */
export async function storedEventIds(file: string): Promise<Set<string>> {
  const store = await openStore(`sqlite:${file}`);
  const stored = new Set<string>();
  try {
    for await (const e of store.scanEvents()) stored.add(e.id);
  } finally {
    await store.close();
  }
  return stored;
}

export interface BatchCheck {
  /** Events of acknowledged batches missing from the store. */
  lostAcknowledged: number;
  /** Batches sent and never acknowledged: in flight when the server died. */
  inFlight: number[];
  /** In-flight batches stored whole (committed, but the answer never arrived). */
  inFlightWhole: number[];
  /** In-flight batches stored in part: a batch is one transaction, so this must stay empty. */
  partial: number[];
}

/** What the store kept of one ingest run: acknowledged batches must all be there, in-flight ones whole or absent. */
export function checkBatches(
  stored: ReadonlySet<string>,
  outcome: Pick<IngestOutcome, 'acked' | 'sent'>,
  batch: (n: number) => unknown[],
): BatchCheck {
  const present = (n: number) => batch(n).filter((e) => stored.has((e as { id: string }).id)).length;
  const lostAcknowledged = [...outcome.acked].reduce((lost, n) => lost + batch(n).length - present(n), 0);
  const inFlight = outcome.sent.filter((n) => !outcome.acked.has(n));
  const counts = inFlight.map((n) => [n, present(n), batch(n).length] as const);
  return {
    lostAcknowledged,
    inFlight,
    inFlightWhole: counts.filter(([, p, size]) => p === size).map(([n]) => n),
    partial: counts.filter(([, p, size]) => p !== 0 && p !== size).map(([n]) => n),
  };
}
