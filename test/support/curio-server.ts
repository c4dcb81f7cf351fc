// Starts the built CLI's `curio serve` as a child process on a free port, for tests that need a real server
// (a browser, another process). Every server started here is stopped by `stop()`, which waits for the exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export interface CurioServer {
  url: string;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface CurioServerOptions {
  storeUrl: string;
  /** CURIO_* variables on top of this process's environment. */
  env?: Record<string, string>;
  /** A JSON configuration file (`--config`). */
  configFile?: string;
  timeoutMs?: number;
}

/** `curio serve --store <storeUrl> --port 0`; resolves with its URL once it listens. */
export async function startCurioServer(options: CurioServerOptions): Promise<CurioServer> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const args = [
    'bin/curio.js',
    'serve',
    '--store',
    options.storeUrl,
    '--port',
    '0',
    ...(options.configFile ? ['--config', options.configFile] : []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`curio serve did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`curio serve exited with ${code}:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    await exited;
    throw error;
  });
  return {
    url,
    child,
    stop: async (graceMs = 10_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
