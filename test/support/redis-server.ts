// A private redis-server for tests that stop and restart Redis (the machine's own on 6379 must keep running
// for everyone else). Nothing is kept on disk: a restart comes back empty, as a cache server often does.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './nats-server.js';

export const REDIS_SERVER_BIN = process.env.CURIO_REDIS_SERVER ?? '/usr/bin/redis-server';

export interface RedisServer {
  url: string;
  readonly running: boolean;
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
}

const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== null;
    },
    async start() {
      child ??= await spawnRedis(port);
    },
    async stop(signal = 'SIGTERM') {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill(signal);
      await exited;
    },
  };
  await server.start();
  return server;
}

/** Every server started here and still running is stopped (for afterAll). */
export async function stopAllRedisServers(): Promise<void> {
  await Promise.all(
    [...started].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}

function spawnRedis(port: number, timeoutMs = 10_000): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
  const child = spawn(REDIS_SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  child.once('exit', () => started.delete(child));
  return new Promise((resolve, reject) => {
    let log = '';
    const fail = (reason: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`redis-server on port ${port} ${reason}:\n${log}`));
    };
    const timer = setTimeout(() => fail(`was not ready after ${timeoutMs} ms`), timeoutMs);
    child.once('error', (error) => fail(`could not start (${REDIS_SERVER_BIN}): ${error.message}`));
    child.stderr!.resume();
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => {
      if (log.length < 20_000) log += text;
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve(child);
      }
    });
  });
}
