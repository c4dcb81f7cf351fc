#!/usr/bin/env -S node --max-semi-space-size=64
// Runs the compiled CLI (dist/, built by `npm ci` through the `prepare` script, or `npm run build`).
//
// The process started is the process that serves: a signal sent to it (kill -9 included) reaches the
// server and the database it holds, never a wrapper. The young-generation size comes from the line
// above: a server keeps request-scoped objects alive across a few young-generation collections
// (buffered impressions, writes awaiting the writer thread); with V8's default semi-space they were
// promoted and the old-generation compactions that followed stalled requests, with 64 MB they die young
// (docs/serving.md, "Latency"). V8 sizes its heap when the process starts, so the flag cannot be set
// from here; started as `node bin/curio.js`, the server says so once.
import { existsSync } from 'node:fs';

const SERVER_COMMANDS = new Set(['serve', 'demo']);
const chosen = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => a.startsWith('--max-semi-space-size'));
if (SERVER_COMMANDS.has(process.argv[2]) && !chosen) {
  console.warn(
    'curio: node started without --max-semi-space-size; for steady latency run bin/curio.js directly, or pass --max-semi-space-size=64 (docs/serving.md)',
  );
}

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('curio: dist/ is missing; build it with `npm run build` (npm ci does it through `prepare`)');
  process.exit(1);
}
await import(main.href);
