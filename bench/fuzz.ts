// Hostile-request fuzzing: generated requests across every route the app serves (test/support/hostile-requests.ts),
// most through inject, a share as raw bytes over a loopback socket (oversized headers, malformed request lines,
// chunked bodies: what only a socket can carry). Fails on any 5xx, any failure outside the documented error shape,
// or a server that does not serve normally afterwards.
//   npm run bench:fuzz [-- --requests 100000 --seed 1 --socket-share 0.05 --concurrency 4]  → bench/results/fuzz.json
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkHealth, createFuzzApp, describeFinding, runFuzz, type Finding, type FuzzReport } from '../test/support/fuzz-harness.js';
import { discoverRoutes, routeLabel } from '../test/support/hostile-requests.js';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    'socket-share': { type: 'string', default: '0.05' },
    concurrency: { type: 'string', default: '4' },
    out: { type: 'string', default: 'bench/results/fuzz.json' },
  },
});
const REQUESTS = Number(args.requests);
const SEED = Number(args.seed);
const SOCKET_SHARE = Number(args['socket-share']);
const CONCURRENCY = Number(args.concurrency);
/** Oversized bodies (413) are this plus a little: 1 MiB instead of the default 32 MiB keeps them cheap to send. */
const BODY_LIMIT = 1024 * 1024;
const PRINTED_FINDINGS = 5;

/** A line every 5 s off a terminal; one line redrawn at most 5 times a second on one. */
function progress(): (done: number, report: FuzzReport) => void {
  const tty = process.stderr.isTTY;
  let last = 0;
  return (done, report) => {
    const now = performance.now();
    if (done < REQUESTS && now - last < (tty ? 200 : 5_000)) return;
    last = now;
    const rate = report.seconds > 0 ? done / report.seconds : 0;
    const eta = rate > 0 ? (REQUESTS - done) / rate : 0;
    const line =
      `${done.toLocaleString('en')}/${REQUESTS.toLocaleString('en')} requests  ${report.seconds.toFixed(0)} s  ${rate.toFixed(0)}/s  ` +
      `ETA ${eta.toFixed(0)} s  5xx ${report.fivexx}  shape ${report.shapeViolations}  no answer ${report.noResponse}`;
    process.stderr.write(tty ? `\r${line}\x1b[K${done >= REQUESTS ? '\n' : ''}` : `${line}\n`);
  };
}

/** A finding for the results file: bodies cut at 64 KiB, raw bytes as latin1 text. */
const findingJson = (f: Finding) => {
  const cut = (data: string | Buffer | undefined) => {
    if (data === undefined) return undefined;
    const text = Buffer.isBuffer(data) ? data.toString('latin1') : data;
    return text.length > 65_536 ? `${text.slice(0, 65_536)}… (${text.length} in all)` : text;
  };
  return { ...f, request: { ...f.request, body: cut(f.request.body), raw: cut(f.request.raw) } };
};

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'curio-fuzz-'));
  const target = await createFuzzApp({
    storeUrl: `sqlite:${join(dir, 'curio.db')}`,
    production: true,
    listen: true,
    overrides: { 'server.bodyLimitBytes': BODY_LIMIT },
  });
  try {
    const routes = await discoverRoutes(target.app);
    console.log(
      `${routes.length} routes (${routes.filter((r) => !r.documented).length} not in the OpenAPI document); ${REQUESTS.toLocaleString('en')} requests, seed ${SEED}, ${(SOCKET_SHARE * 100).toFixed(0)}% over a socket`,
    );
    const report = await runFuzz({
      target,
      routes,
      requests: REQUESTS,
      seed: SEED,
      socketShare: SOCKET_SHARE,
      concurrency: CONCURRENCY,
      onProgress: progress(),
    });
    const health = await checkHealth(target);

    const printed = [
      ['5xx answers', report.fivexx, report.examples.fivexx],
      ['answers not in the error shape', report.shapeViolations, report.examples.shape],
      ['socket requests without an answer', report.noResponse, report.examples.noResponse],
      ['requests inject refused to send', report.unsendable, report.examples.unsendable],
    ] as const;
    for (const [title, count, list] of printed) {
      if (count === 0) continue;
      console.log(`\n${title}: ${count}; the first ${Math.min(PRINTED_FINDINGS, list.length)}:`);
      for (const f of list.slice(0, PRINTED_FINDINGS)) console.log(describeFinding(f));
    }
    if (target.serverErrors.length > 0) {
      console.log(
        `\n5xx seen by the server: ${target.serverErrors.length}; the first ${Math.min(PRINTED_FINDINGS, target.serverErrors.length)}:`,
      );
      for (const e of target.serverErrors.slice(0, PRINTED_FINDINGS))
        console.log(`${e.status} ${e.method} ${e.url.slice(0, 300)}\n${e.error ?? '(no error recorded)'}`);
    }
    for (const c of health.checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.ok ? '' : `: ${c.detail}`}`);

    const fivexx = Math.max(report.fivexx, target.serverErrors.length);
    const result = {
      requests: report.requests,
      inject: report.inject,
      socket: report.socket,
      seconds: Number(report.seconds.toFixed(1)),
      requestsPerSecond: Math.round(report.requests / report.seconds),
      seed: SEED,
      node: process.version,
      date: new Date().toISOString(),
      settings: {
        socketShare: SOCKET_SHARE,
        concurrency: CONCURRENCY,
        bodyLimitBytes: BODY_LIMIT,
        store: 'SQLite file, writer thread and checkpointer as curio serve',
      },
      routes: routes.map(routeLabel),
      fivexx,
      shapeViolations: report.shapeViolations,
      noResponse: report.noResponse,
      unsendable: report.unsendable,
      healthyAfter: health.healthy,
      health: health.checks,
      perStatus: report.perStatus,
      perRoute: report.perRoute,
      perTag: Object.fromEntries(Object.entries(report.perTag).sort((a, b) => b[1] - a[1])),
      findings: {
        fivexx: report.examples.fivexx.map(findingJson),
        serverErrors: target.serverErrors.slice(0, 20),
        shape: report.examples.shape.map(findingJson),
        noResponse: report.examples.noResponse.map(findingJson),
        unsendable: report.examples.unsendable.map(findingJson),
      },
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(args.out!, JSON.stringify(result, null, 2) + '\n');
    const ok = fivexx === 0 && report.shapeViolations === 0 && health.healthy;
    console.log(
      `\n${report.requests.toLocaleString('en')} requests in ${report.seconds.toFixed(0)} s (${result.requestsPerSecond}/s): ${fivexx} 5xx, ` +
        `${report.shapeViolations} outside the error shape, ${report.noResponse} without an answer; healthy afterwards: ${health.healthy} → ${args.out}`,
    );
    return ok ? 0 : 1;
  } finally {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
