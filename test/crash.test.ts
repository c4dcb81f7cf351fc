// Crash safety: every event the server acknowledged with a 2xx survives `kill -9` and a restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/index.js';

const ROOT = join(import.meta.dirname, '..');
const KEY = 'crash-test-key-0123456789';
const BATCH_EVENTS = 500;
const WORKERS = 4;
/** Kill once this many batches were acknowledged (or after KILL_AFTER_MS), with requests still in flight. */
const KILL_AFTER_BATCHES = 40;
const KILL_AFTER_MS = 4000;

// The real `curio serve`, as a user starts it (the executable, with the node flags of its first line).
const ENTRY = join(ROOT, 'bin', 'curio.js');

interface Server {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Is a process with this pid alive? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the server as a child process on a free port and resolves once it prints its URL. */
function startServer(file: string): Promise<Server> {
  const child = spawn(ENTRY, ['serve'], {
    cwd: ROOT,
    env: { ...process.env, CURIO_STORE_URL: `sqlite:${file}`, CURIO_PORT: '0', CURIO_API_KEYS: `${KEY}:admin`, CURIO_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s: ${out}${err}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => (err += d));
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const match = /http:\/\/[\w.[\]:-]+:\d+/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[0], exited });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code ?? signal} before listening: ${err}`));
    });
  });
}

function batch(n: number): Array<Record<string, unknown>> {
  return Array.from({ length: BATCH_EVENTS }, (_, i) => ({
    id: `b${n}-${i}`,
    userId: `u${(n * 7 + i) % 97}`,
    itemId: `i${i % 53}`,
    type: i % 10 === 0 ? 'cart' : 'view',
    timestamp: 1_700_000_000_000 + n * BATCH_EVENTS + i,
  }));
}

async function post(url: string, events: unknown[]): Promise<{ accepted: number; duplicates: number }> {
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });
  if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}`);
  return (await res.json()) as { accepted: number; duplicates: number };
}

describe('crash safety', () => {
  const dir = mkdtempSync(join(tmpdir(), 'curio-crash-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged event when the server is killed with SIGKILL mid-ingest', async () => {
    const file = join(dir, 'curio.db');
    const first = await startServer(file);
    children.push(first.child);

    // Sustained ingest from several connections; a batch is acknowledged only by a 2xx answer.
    const acked = new Set<number>();
    const sent: number[] = [];
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (!killed) {
        const n = next++;
        sent.push(n);
        try {
          await post(first.url, batch(n));
          acked.add(n); // even an answer that lands after the kill was an acknowledgement
        } catch {
          return; // the server is gone
        }
      }
    };
    const started = Date.now();
    const workers = Array.from({ length: WORKERS }, worker);
    while (acked.size < KILL_AFTER_BATCHES && Date.now() - started < KILL_AFTER_MS) await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGKILL');
    killed = true;
    await Promise.all(workers);
    // The process killed is the one that held the database: it died of the signal and is gone.
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(alive(first.child.pid as number)).toBe(false);
    expect(acked.size).toBeGreaterThan(0);

    const second = await startServer(file);
    children.push(second.child);
    const store = await openStore(`sqlite:${file}`);
    const stored = new Set<string>();
    for await (const e of store.scanEvents()) stored.add(e.id);
    await store.close();

    const lostAcknowledged = [...acked].reduce((lost, n) => lost + batch(n).filter((e) => !stored.has(e.id as string)).length, 0);
    // A batch is one transaction: the ones in flight at the kill are either whole or absent.
    const inFlight = sent.filter((n) => !acked.has(n));
    const partial = inFlight.filter((n) => {
      const present = batch(n).filter((e) => stored.has(e.id as string)).length;
      return present !== 0 && present !== BATCH_EVENTS;
    });
    const summary = { acknowledged_events: acked.size * BATCH_EVENTS, stored_events: stored.size, in_flight_batches: inFlight.length, lost_acknowledged: lostAcknowledged };
    console.log(`crash test: ${JSON.stringify(summary)}`);
    expect(lostAcknowledged).toBe(0);
    // Batches were in flight when it died, so "whole or absent" was put to the test.
    expect(inFlight.length).toBeGreaterThan(0);
    expect(partial).toEqual([]);
    expect(stored.size % BATCH_EVENTS).toBe(0);

    // Retrying everything after the restart is safe: what survived counts as duplicates, the rest is stored once.
    let duplicates = 0;
    for (const n of sent) duplicates += (await post(second.url, batch(n))).duplicates;
    expect(duplicates).toBe(stored.size);

    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null }); // graceful shutdown
    expect(alive(second.child.pid as number)).toBe(false);
  });
});
