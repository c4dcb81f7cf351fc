// Erasure end to end, as an operator runs Curio: the real `curio serve` (its trainer included) on a SQLite
// store with pseudonymised ids, a distinctive shopper served, trained on and erased; then not one byte of
// their id or its pseudonym is left in any file Curio wrote: the store and its WAL/SHM, the model artifacts
// in it, the server's log and the exports made since.
import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createPseudonymiser, type ErasureReceipt } from '../src/privacy/index.js';
import { scanForBytes } from './support/byte-scan.js';
import {
  alive,
  childrenOf,
  CRASH_KEY,
  distStatus,
  ENTRY,
  killStarted,
  ROOT,
  startedStillAlive,
  startServer,
  stopServer,
  type Server,
} from './support/crash-harness.js';
import { shopEvents, shopItems } from './support/recommend-shop.js';

const SECRET = 'erasure-e2e-secret-0123456789';
const RAW = 'zq-erasure-7f3a9c-shopper@example.com';
const PSEUDONYM = createPseudonymiser(SECRET)(RAW);
/** The id as bytes may hold it: as sent, as a URL path segment, and stored. */
const NEEDLES = [RAW, encodeURIComponent(RAW), PSEUDONYM];
const T0 = 1_700_000_000_000;

const dir = mkdtempSync(join(tmpdir(), 'curio-erasure-e2e-'));
afterAll(async () => {
  await killStarted();
  rmSync(dir, { recursive: true, force: true });
});

async function api<T = Record<string, unknown>>(
  server: Server,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${CRASH_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: (text.startsWith('{') ? JSON.parse(text) : { text }) as T };
}

async function until<T>(ms: number, read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}; last: ${JSON.stringify(value).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The shopper: a tea walk ending in a purchase, in two sessions, with attributes and consent. */
function shopperEvents() {
  return Array.from({ length: 8 }, (_, k) => ({
    id: `zq-${k}`,
    userId: RAW,
    itemId: `tea-${k % 6}`,
    type: k === 7 ? 'purchase' : k === 6 ? 'cart' : 'view',
    timestamp: T0 + 50_000 + k * 60_000,
    sessionId: k < 4 ? 'zq-session-1' : 'zq-session-2',
  }));
}

describe('erasure, end to end', () => {
  it('leaves neither the raw id nor its pseudonym in any file Curio wrote', { timeout: 240_000 }, async () => {
    expect(distStatus().stale, 'dist/ is older than src/: run npm run build').toBe(false);
    const storeFile = join(dir, 'curio.db');
    const configFile = join(dir, 'curio.json');
    const logFile = join(dir, 'server.log');
    const exports = join(dir, 'exports');
    mkdirSync(exports);
    writeFileSync(
      configFile,
      JSON.stringify({
        training: {
          worker: true,
          candidates: [{ model: 'bpr', params: { factors: 8, epochs: 5 } }],
          blend: false,
          schedule: '',
          evalUsers: 0,
          pollMs: 200,
        },
      }),
    );
    const server = await startServer(storeFile, {
      timeoutMs: 60_000,
      args: ['--config', configFile],
      env: { CURIO_ID_SECRET: SECRET, CURIO_LOG_LEVEL: 'info', CURIO_TRAINING_WORKER: 'true', CURIO_SERVING_SEED: '7' },
      onStdout: (chunk) => appendFileSync(logFile, chunk),
      onStderr: (text) => appendFileSync(logFile, text),
    });
    const trainers = new Set<number>();
    const watchChildren = setInterval(() => childrenOf(server.pid).forEach((c) => trainers.add(c.pid)), 100);
    try {
      // A shop, and the shopper: their record, history, slates (personal and in a session) and insight answers.
      const path = `/v1/users/${encodeURIComponent(RAW)}`;
      expect((await api(server, 'PUT', '/v1/items', { items: shopItems() })).status).toBe(200);
      const others = shopEvents().map((e) => ({ ...e, timestamp: e.timestamp }));
      expect((await api(server, 'POST', '/v1/events', { events: [...others, ...shopperEvents()] })).json).toMatchObject({ rejected: [] });
      expect((await api(server, 'PUT', path, { attributes: { tier: 'gold', note: RAW } })).status).toBe(200);
      expect((await api(server, 'GET', `${path}/recommendations?n=5`)).status).toBe(200);
      const session = { visitorId: RAW, sessionId: 'zq-session-3', events: [{ itemId: 'tea-1', type: 'view' }], n: 4 };
      expect((await api(server, 'POST', '/v1/recommendations', session)).status).toBe(200);
      expect((await api(server, 'GET', `${path}/segment`)).status).toBe(200);
      expect((await api(server, 'GET', `${path}/interests`)).status).toBe(200);

      // A model trained on them (BPR: a row of parameters per user), served.
      const queued = await api(server, 'POST', '/v1/admin/jobs', { kind: 'retrain' });
      expect([201, 409]).toContain(queued.status);
      const first = await until(
        90_000,
        async () => (await api<{ serving: string | null; servedHere: string | null }>(server, 'GET', '/v1/admin/models')).json,
        (m) => m.serving !== null && m.servedHere === m.serving,
        'a trained version served',
      );
      expect((await api(server, 'GET', `${path}/recommendations?n=5`)).json).toMatchObject({ modelVersion: first.serving });
      // The test can see what it looks for: the pseudonym is in the store (rows, the model's user ids).
      expect(scanForBytes(dir, [PSEUDONYM]).length).toBeGreaterThan(0);

      // Erased: at once from the store and the caches; the trained version is replaced by a retrain.
      const erased = await api<{ erasureId: string }>(server, 'DELETE', path);
      expect(erased.status).toBe(200);
      const receipt = await until(
        120_000,
        async () => (await api<ErasureReceipt>(server, 'GET', `/v1/admin/erasures/${erased.json.erasureId}`)).json,
        (r) => r.state === 'done',
        'the erasure receipt done',
      );
      expect(receipt.targets.models?.versions?.deleted).toContain(first.serving);
      expect(receipt.targets.storage?.state).toBe('done');
      expect((await api(server, 'GET', path)).status).toBe(404);

      // Exports made since: the segments CSV from the API and from the CLI, and the receipt.
      writeFileSync(join(exports, 'segments-api.csv'), (await api<{ text: string }>(server, 'GET', '/v1/segments?format=csv')).json.text);
      writeFileSync(join(exports, 'receipt.json'), JSON.stringify(receipt));
      await promisify(execFile)(
        process.execPath,
        [ENTRY, 'segment', '--store', `sqlite:${storeFile}`, '--csv', join(exports, 'segments-cli.csv')],
        {
          cwd: ROOT,
          env: { ...process.env, CURIO_ID_SECRET: SECRET },
        },
      );

      // While the server runs (the WAL and shared memory in use), then after it stopped.
      expect(scanForBytes(dir, NEEDLES)).toEqual([]);
    } finally {
      clearInterval(watchChildren);
      expect(await stopServer(server)).toMatchObject({ code: 0 });
    }
    expect(scanForBytes(dir, NEEDLES)).toEqual([]);
    // Every process it started is gone: the server and its training jobs.
    expect(trainers.size).toBeGreaterThan(0);
    expect([...trainers].filter(alive)).toEqual([]);
    expect(startedStillAlive()).toEqual([]);
  });
});
