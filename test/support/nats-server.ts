// Private NATS servers for tests that stop and restart the bus (the shared one on 127.0.0.1:4222 must keep
// running for everyone else). Every server started here is tracked; stopAllNatsServers ends them, and an
// exit hook kills what is left when a test run dies half-way.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The shared JetStream server: CURIO_TEST_NATS_URL, else the machine's own (CI starts it). */
export const TEST_NATS_URL = process.env.CURIO_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
/** The binary private servers run from. */
export const NATS_SERVER_BIN = process.env.CURIO_NATS_SERVER ?? '/usr/sbin/nats-server';

export interface NatsServer {
  url: string;
  port: number;
  /** JetStream's store: a restart on the same directory finds its streams and messages again. */
  storeDir: string;
  /** Whether the process is up (between start and stop). */
  readonly running: boolean;
  /** Stops the process (SIGTERM, then SIGKILL after a grace period; SIGKILL at once: a crash) and waits for its exit. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port and store directory. */
  start(): Promise<void>;
  /** Stops it for good and deletes its store directory. */
  dispose(): Promise<void>;
}

const started = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts a JetStream-enabled nats-server on a free port with a fresh store directory. */
export async function startNatsServer(): Promise<NatsServer> {
  installExitHook();
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'curio-nats-'));
  let child: ChildProcess | null = null;
  const server: NatsServer = {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    get running() {
      return child !== null;
    },
    async start() {
      if (child) return;
      child = await spawnServer(port, storeDir);
    },
    async stop(signal = 'SIGTERM') {
      const c = child;
      child = null;
      if (c) await stopProcess(c, signal);
    },
    async dispose() {
      await server.stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/** Stops every server this module started and not yet stopped (for afterAll, also after a failed test). */
export async function stopAllNatsServers(): Promise<void> {
  await Promise.all([...started].map((c) => stopProcess(c)));
}

/** Resolves once the server logs that it is ready; kills it and rejects if it exits or takes too long. */
function spawnServer(port: number, storeDir: string, timeoutMs = 10_000): Promise<ChildProcess> {
  const child = spawn(NATS_SERVER_BIN, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  started.add(child);
  child.once('exit', () => started.delete(child));
  return new Promise((resolve, reject) => {
    let log = '';
    const fail = (reason: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`nats-server on port ${port} ${reason}:\n${log}`));
    };
    const timer = setTimeout(() => fail(`was not ready after ${timeoutMs} ms`), timeoutMs);
    child.once('error', (error) => fail(`could not start (${NATS_SERVER_BIN}): ${error.message}`));
    child.once('exit', (code, signal) => fail(`exited (${signal ?? code})`));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      log += text;
      if (log.includes('Server is ready')) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.once('exit', () => started.delete(child));
        // Keep draining stderr so a chatty server never blocks on a full pipe.
        child.stderr?.removeAllListeners('data');
        child.stderr?.resume();
        resolve(child);
      }
    });
  });
}

async function stopProcess(child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of started) child.kill('SIGKILL');
  });
  // A worker ended by a signal runs no exit hook unless the signal is turned into an exit.
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
}
