#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx, so `npm ci` is all a newcomer needs (no build step).
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * A server keeps request-scoped objects alive across a few young-generation collections (buffered
 * impressions, writes awaiting the writer thread). With V8's default semi-space they were promoted, and
 * the old-generation compactions that followed stalled requests; with 64 MB they die young
 * (docs/serving.md, "Latency"). V8 sizes the heap when the process starts, so the commands that run a
 * server re-run this file with the flag unless the caller chose a size already.
 */
const SERVER_COMMANDS = new Set(['serve', 'demo']);
const YOUNG_GENERATION_FLAG = '--max-semi-space-size=64';

const chosen = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => a.startsWith('--max-semi-space-size'));
if (SERVER_COMMANDS.has(process.argv[2]) && !chosen) {
  const child = spawn(process.execPath, [...process.execArgv, YOUNG_GENERATION_FLAG, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
