// Drives hostile requests (hostile-requests.ts) at an app and checks every answer: no 5xx, every failure in the
// documented error shape, and the server healthy afterwards. Shared by test/fuzz.test.ts and bench/fuzz.ts.
import { connect } from 'node:net';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { ERROR_CODES, HTTP_STATUS, loadConfig, type Config, type ErrorCode } from '../../src/core/index.js';
import { createApp } from '../../src/serve/app.js';
import type { RouteModule } from '../../src/serve/context.js';
import { openStore, type Store } from '../../src/store/index.js';
import {
  hostileRequests,
  socketRequests,
  type GeneratorOptions,
  type HostileRequest,
  type RouteSpec,
  type Vocabulary,
} from './hostile-requests.js';
import { CATEGORIES, ITEMS_PER_CATEGORY, itemId, shopEvents, shopItems } from './recommend-shop.js';
import { KEYS } from './test-app.js';

/**
 * The shop's last category (toys) and its shoppers (s3, s7, ...) are never named by the generator, so the
 * health check after a run can still ask for a personalised slate however many items and users the fuzzer
 * deleted, erased or refused consent for.
 */
const RESERVED_CATEGORY = CATEGORIES.length - 1;
export const HEALTH_USER = `s${RESERVED_CATEGORY}`;
const healthItem = (k: number) => itemId(RESERVED_CATEGORY, k);

export function fuzzVocabulary(): Vocabulary {
  const itemIds = CATEGORIES.slice(0, RESERVED_CATEGORY).flatMap((_, c) =>
    Array.from({ length: ITEMS_PER_CATEGORY }, (_, k) => itemId(c, k)),
  );
  const userIds = Array.from({ length: 40 }, (_, s) => `s${s}`).filter((_, s) => s % CATEGORIES.length !== RESERVED_CATEGORY);
  const categories = [...new Set(CATEGORIES.flatMap((path) => [path[0], path[1], path.join(' > ')]))];
  return { itemIds: [...itemIds, 'unknown-item'], userIds: [...userIds, 'unknown-user', 'fuzz-user'], categories };
}

export interface ServerError {
  method: string;
  url: string;
  status: number;
  error: string | null;
}

export interface FuzzApp {
  app: FastifyInstance;
  store: Store;
  config: Config;
  /** Base URL when listening (`listen: true`), else null. */
  url: string | null;
  port: number | null;
  /** 5xx answers the server sent, seen from inside (also those a client never read), with the error behind each. */
  serverErrors: ServerError[];
  close(): Promise<void>;
}

export interface FuzzAppOptions {
  /** `sqlite::memory:` unless given. */
  storeUrl?: string;
  /** Open the store as `curio serve` does (writer thread, checkpoints in a worker). */
  production?: boolean;
  /** Config overrides by dotted path. */
  overrides?: Record<string, unknown>;
  routes?: RouteModule[];
  listen?: boolean;
}

/** The fuzz target: the small shop in a store, an app over it with one key per scope, 5xx recorded from inside. */
export async function createFuzzApp(options: FuzzAppOptions = {}): Promise<FuzzApp> {
  const config = loadConfig({
    env: {
      CURIO_API_KEYS: `${KEYS.ingest}:ingest,${KEYS.read}:read,${KEYS.admin}:admin`,
      CURIO_LOG_LEVEL: 'silent',
      CURIO_TRAINING_WORKER: 'false',
      CURIO_SERVING_SEED: '7',
    },
    overrides: { 'serving.refreshIntervalSeconds': 0, ...options.overrides },
  });
  const store = await openStore(
    options.storeUrl ?? 'sqlite::memory:',
    options.production ? { backgroundCheckpoints: true, backgroundWrites: true } : {},
  );
  await store.upsertItems(shopItems());
  await store.appendEvents(shopEvents());
  const app = createApp({ config, store, processMetrics: false, routes: options.routes });
  const serverErrors: ServerError[] = [];
  const errors = new WeakMap<object, Error>();
  app.addHook('onError', async (request, _reply, error) => {
    errors.set(request, error);
  });
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode < 500) return;
    const error = errors.get(request);
    serverErrors.push({
      method: request.method,
      url: request.url,
      status: reply.statusCode,
      error: error ? (error.stack ?? String(error)) : null,
    });
  });
  let url: string | null = null;
  let port: number | null = null;
  try {
    if (options.listen) {
      url = await app.listen({ host: '127.0.0.1', port: 0 });
      port = Number(new URL(url).port);
    } else {
      await app.ready();
    }
  } catch (error) {
    await app.close();
    await store.close();
    throw error;
  }
  return {
    app,
    store,
    config,
    url,
    port,
    serverErrors,
    close: async () => {
      try {
        await app.close();
      } finally {
        await store.close();
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Sending

export interface Outcome {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export async function sendInject(app: FastifyInstance, req: HostileRequest): Promise<Outcome> {
  const res = await app.inject({
    method: req.method as 'GET',
    url: req.url,
    headers: req.headers,
    ...(req.body === undefined ? {} : { payload: req.body }),
  });
  return { status: res.statusCode, headers: res.headers as Outcome['headers'], body: res.body };
}

/** Writes raw bytes to a fresh connection and reads the first final (non-1xx) response; null when none came. */
export function sendRaw(port: number, raw: Buffer, timeoutMs = 15_000): Promise<{ outcome: Outcome | null; reason: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const outcome = parseResponse(Buffer.concat(chunks));
      resolve({ outcome, reason: outcome ? 'ok' : reason });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('connect', () => socket.write(raw));
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      // A complete response is enough: the connection may stay open for a pipelined leftover.
      if (parseResponse(Buffer.concat(chunks), true)) finish('ok');
    });
    socket.on('error', (e: NodeJS.ErrnoException) => finish(e.code ?? e.message));
    socket.on('close', () => finish('closed without a response'));
  });
}

/** The first final response in `data`; with `complete`, only when its whole body is there. */
export function parseResponse(data: Buffer, complete = false): Outcome | null {
  let offset = 0;
  for (;;) {
    const end = data.indexOf('\r\n\r\n', offset);
    if (end < 0) return null;
    const head = data.subarray(offset, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(head[0])?.[1]);
    if (!status) return null;
    const headers: Record<string, string | string[] | undefined> = {};
    for (const line of head.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const bodyStart = end + 4;
    if (status < 200) {
      offset = bodyStart;
      continue;
    }
    const rest = data.subarray(bodyStart);
    if (headers['transfer-encoding'] === 'chunked') {
      const body = dechunk(rest);
      if (body === null) return complete ? null : { status, headers, body: rest.toString('utf8') };
      return { status, headers, body: body.toString('utf8') };
    }
    const length = headers['content-length'] === undefined ? null : Number(headers['content-length']);
    if (length !== null && rest.length < length && complete) return null;
    if (length === null && complete) return null;
    return { status, headers, body: rest.subarray(0, length ?? rest.length).toString('utf8') };
  }
}

function dechunk(data: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', offset);
    if (eol < 0) return null;
    const size = parseInt(data.subarray(offset, eol).toString('latin1'), 16);
    if (Number.isNaN(size)) return null;
    if (size === 0) return Buffer.concat(parts);
    if (data.length < eol + 2 + size) return null;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    offset = eol + 2 + size + 2;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Checks

/** Whether the URL names Swagger UI's pages (as URL parsers read it: `\\docs` and `http://host/docs` count). */
function isPagePath(url: string): boolean {
  try {
    const path = new URL(url, 'http://127.0.0.1').pathname;
    return path.startsWith('/docs') || path.startsWith('/console');
  } catch {
    return false;
  }
}

/**
 * Why an answer breaks the contract, or null. 2xx bodies are the routes' own business; every other answer
 * must be `{error: {code, message, problems: [{path, message}]}}` as JSON with a known code whose status is
 * the one sent. Exempt: HEAD answers (no body by definition) and redirects under /docs and /console (Swagger
 * UI's and the console's static pages send their own 3xx; they are pages, not API routes, and their 2xx are
 * HTML and JavaScript).
 */
export function responseProblem(req: HostileRequest, o: Outcome): string | null {
  if (o.status >= 500) return `answered ${o.status}`;
  if (o.status < 200) return `final status ${o.status}`;
  if (o.status < 300) return null;
  if (req.method === 'HEAD') return null;
  if (o.status < 400 && isPagePath(req.url)) return null;
  const type = String(o.headers['content-type'] ?? '');
  if (!type.startsWith('application/json')) return `content-type "${type}" for a ${o.status}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(o.body);
  } catch {
    return `body is not JSON: ${JSON.stringify(o.body.slice(0, 120))}`;
  }
  const error = (parsed as { error?: { code?: unknown; message?: unknown; problems?: unknown } } | null)?.error;
  if (!error || typeof error !== 'object') return 'no "error" object';
  if (typeof error.code !== 'string' || !(ERROR_CODES as readonly string[]).includes(error.code))
    return `unknown error.code ${JSON.stringify(error.code)}`;
  if (typeof error.message !== 'string' || error.message.length === 0) return 'error.message is not a non-empty string';
  if (!Array.isArray(error.problems)) return 'error.problems is not an array';
  for (const p of error.problems as unknown[]) {
    const problem = p as { path?: unknown; message?: unknown } | null;
    if (typeof problem?.path !== 'string' || typeof problem.message !== 'string')
      return `a problem is not {path, message}: ${JSON.stringify(p).slice(0, 120)}`;
  }
  const expected = HTTP_STATUS[error.code as ErrorCode];
  if (expected !== o.status) return `error.code ${error.code} (HTTP ${expected}) sent with status ${o.status}`;
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// Running

export interface Finding {
  index: number;
  transport: 'inject' | 'socket';
  request: HostileRequest;
  status: number | null;
  problem: string;
  body: string;
}

export interface FuzzReport {
  requests: number;
  inject: number;
  socket: number;
  seconds: number;
  /** Route label → status (or "none": the socket got no answer) → count. */
  perRoute: Record<string, Record<string, number>>;
  perStatus: Record<string, number>;
  /** Mutation class → count of requests carrying it. */
  perTag: Record<string, number>;
  fivexx: number;
  shapeViolations: number;
  noResponse: number;
  unsendable: number;
  /** The first findings of each kind (5xx, shape, no answer, inject refused to send). */
  examples: { fivexx: Finding[]; shape: Finding[]; noResponse: Finding[]; unsendable: Finding[] };
}

export interface FuzzRunOptions {
  target: FuzzApp;
  routes: RouteSpec[];
  requests: number;
  seed: number;
  /** Share of requests sent as bytes over a loopback socket (needs a listening target); the rest via inject. */
  socketShare?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Kept per kind of finding. */
  maxExamples?: number;
  onProgress?: (done: number, report: FuzzReport) => void;
}

export function generatorOptions(target: FuzzApp): GeneratorOptions {
  return {
    vocabulary: fuzzVocabulary(),
    bodyLimitBytes: target.config.server.bodyLimitBytes,
    maxBatch: target.config.server.maxBatchEvents,
  };
}

const CHUNK = 500;

/** Sends `requests` generated requests (deterministic for a seed) and tallies every answer. */
export async function runFuzz(options: FuzzRunOptions): Promise<FuzzReport> {
  const { target, routes, requests, seed } = options;
  const share = options.socketShare ?? 0;
  if (share > 0 && target.port === null) throw new Error('socketShare needs a listening target');
  const period = share > 0 ? Math.max(1, Math.round(1 / share)) : 0;
  const isSocket = (i: number) => period > 0 && i % period === period - 1;
  const gen = generatorOptions(target);
  const injectArb = hostileRequests(routes, gen);
  const socketArb = socketRequests(routes, gen);
  const maxExamples = options.maxExamples ?? 20;
  const report: FuzzReport = {
    requests: 0,
    inject: 0,
    socket: 0,
    seconds: 0,
    perRoute: {},
    perStatus: {},
    perTag: {},
    fivexx: 0,
    shapeViolations: 0,
    noResponse: 0,
    unsendable: 0,
    examples: { fivexx: [], shape: [], noResponse: [], unsendable: [] },
  };
  const keep = (list: Finding[], f: Finding) => void (list.length < maxExamples && list.push(f));
  const tally = (index: number, transport: 'inject' | 'socket', req: HostileRequest, outcome: Outcome | null, failure: string | null) => {
    report.requests++;
    report[transport]++;
    const status = outcome ? String(outcome.status) : 'none';
    const byRoute = (report.perRoute[req.route] ??= {});
    byRoute[status] = (byRoute[status] ?? 0) + 1;
    report.perStatus[status] = (report.perStatus[status] ?? 0) + 1;
    for (const tag of req.tags) report.perTag[tag] = (report.perTag[tag] ?? 0) + 1;
    const finding = (problem: string): Finding => ({
      index,
      transport,
      request: req,
      status: outcome?.status ?? null,
      problem,
      body: (outcome?.body ?? '').slice(0, 2_000),
    });
    if (!outcome) {
      if (transport === 'inject') {
        report.unsendable++;
        keep(report.examples.unsendable, finding(failure ?? 'inject threw'));
      } else {
        report.noResponse++;
        keep(report.examples.noResponse, finding(failure ?? 'no response'));
      }
      return;
    }
    if (outcome.status >= 500) {
      report.fivexx++;
      keep(report.examples.fivexx, finding(`answered ${outcome.status}`));
      return;
    }
    const problem = responseProblem(req, outcome);
    if (problem) {
      report.shapeViolations++;
      keep(report.examples.shape, finding(problem));
    }
  };
  const start = performance.now();
  for (let from = 0, chunk = 0; from < requests; from += CHUNK, chunk++) {
    const size = Math.min(CHUNK, requests - from);
    const indices = Array.from({ length: size }, (_, k) => from + k);
    const socketCount = indices.filter(isSocket).length;
    const chunkSeed = (seed * 7_919 + chunk * 104_729) | 0;
    const injectReqs = fc.sample(injectArb, { seed: chunkSeed, numRuns: size - socketCount });
    const socketReqs = socketCount > 0 ? fc.sample(socketArb, { seed: chunkSeed ^ 0x5f3759df, numRuns: socketCount }) : [];
    const queue = indices.map((i) => ({ index: i, socket: isSocket(i), req: isSocket(i) ? socketReqs.shift()! : injectReqs.shift()! }));
    const worker = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const { index, req } = job;
        if (job.socket) {
          const { outcome, reason } = await sendRaw(target.port!, req.raw!);
          tally(index, 'socket', req, outcome, reason);
        } else {
          try {
            tally(index, 'inject', req, await sendInject(target.app, req), null);
          } catch (error) {
            tally(index, 'inject', req, null, `inject threw: ${(error as Error).message}`);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
    report.seconds = (performance.now() - start) / 1000;
    options.onProgress?.(from + size, report);
  }
  return report;
}

// ---------------------------------------------------------------------------------------------------------
// Health afterwards

export interface HealthCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * After a run: liveness, readiness, a personalised slate with items for a reserved shopper, an anonymous
 * session slate, a new event accepted and read back, and (when listening) /healthz over a fresh socket.
 */
export async function checkHealth(target: FuzzApp): Promise<{ healthy: boolean; checks: HealthCheck[] }> {
  const checks: HealthCheck[] = [];
  const auth = (key: keyof typeof KEYS) => ({ authorization: `Bearer ${KEYS[key]}` });
  const check = async (name: string, run: () => Promise<string | null>) => {
    try {
      const failure = await run();
      checks.push({ name, ok: failure === null, detail: failure ?? 'ok' });
    } catch (error) {
      checks.push({ name, ok: false, detail: `threw: ${(error as Error).message}` });
    }
  };
  const inject = (method: string, url: string, headers: Record<string, string> = {}, payload?: unknown) =>
    target.app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  await check('GET /healthz', async () => {
    const res = await inject('GET', '/healthz');
    return res.statusCode === 200 ? null : `status ${res.statusCode}: ${res.body.slice(0, 200)}`;
  });
  await check('GET /readyz', async () => {
    const res = await inject('GET', '/readyz');
    return res.statusCode === 200 ? null : `status ${res.statusCode}: ${res.body.slice(0, 200)}`;
  });
  await check(`GET /v1/users/${HEALTH_USER}/recommendations`, async () => {
    const res = await inject('GET', `/v1/users/${HEALTH_USER}/recommendations?n=5`, auth('read'));
    if (res.statusCode !== 200) return `status ${res.statusCode}: ${res.body.slice(0, 200)}`;
    const items = (res.json() as { items: unknown[] }).items;
    return items.length > 0 ? null : 'no items';
  });
  await check('POST /v1/recommendations', async () => {
    const res = await inject('POST', '/v1/recommendations', auth('read'), {
      events: [{ itemId: healthItem(1) }, { itemId: healthItem(2), type: 'cart' }],
      n: 5,
    });
    if (res.statusCode !== 200) return `status ${res.statusCode}: ${res.body.slice(0, 200)}`;
    return (res.json() as { items: unknown[] }).items.length > 0 ? null : 'no items';
  });
  await check('POST /v1/events then GET /v1/users/:id/events', async () => {
    const stamp = Date.now();
    const event = { id: `health-${stamp}`, userId: `health-user-${stamp}`, itemId: healthItem(3), type: 'view', timestamp: stamp };
    const posted = await inject('POST', '/v1/events', auth('ingest'), { events: [event] });
    if (posted.statusCode !== 200) return `POST status ${posted.statusCode}: ${posted.body.slice(0, 200)}`;
    if ((posted.json() as { accepted: number }).accepted !== 1) return `not accepted: ${posted.body.slice(0, 200)}`;
    const read = await inject('GET', `/v1/users/${event.userId}/events`, auth('read'));
    if (read.statusCode !== 200) return `GET status ${read.statusCode}: ${read.body.slice(0, 200)}`;
    const ids = (read.json() as { events: Array<{ id: string }> }).events.map((e) => e.id);
    return ids.includes(event.id) ? null : `event not read back: ${read.body.slice(0, 200)}`;
  });
  if (target.port !== null) {
    await check('GET /healthz over a new connection', async () => {
      const { outcome, reason } = await sendRaw(
        target.port!,
        Buffer.from('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'),
      );
      return outcome?.status === 200 ? null : `got ${outcome?.status ?? reason}`;
    });
  }
  return { healthy: checks.every((c) => c.ok), checks };
}

// ---------------------------------------------------------------------------------------------------------
// Reporting

const preview = (data: string | Buffer | undefined, max: number): string => {
  if (data === undefined) return '(none)';
  const text = Buffer.isBuffer(data) ? `<bytes> ${data.subarray(0, max).toString('latin1')}` : data.slice(0, max);
  const length = Buffer.isBuffer(data) ? data.length : data.length;
  return `${JSON.stringify(text)}${length > max ? ` … (${length} in all)` : ''}`;
};

/** A finding as text to reproduce it: the request (an inject call when small enough, else a preview) and the answer. */
export function describeFinding(f: Finding): string {
  const r = f.request;
  const lines = [`#${f.index} ${f.transport} [${r.tags.join(', ')}] route ${r.route}: ${f.problem}`];
  if (f.transport === 'socket' && r.raw) {
    lines.push(`  raw bytes (${r.raw.length}): ${preview(r.raw.toString('latin1'), 600)}`);
  } else {
    const small = r.body === undefined || (typeof r.body === 'string' && r.body.length <= 1_000);
    if (small) lines.push(`  app.inject(${JSON.stringify({ method: r.method, url: r.url, headers: r.headers, payload: r.body })})`);
    else
      lines.push(
        `  ${r.method} ${preview(r.url, 300)}`,
        `  headers ${JSON.stringify(r.headers).slice(0, 600)}`,
        `  body ${preview(r.body, 400)}`,
      );
  }
  lines.push(`  → ${f.status ?? 'no answer'} ${preview(f.body, 400)}`);
  return lines.join('\n');
}

/** Everything found, printable; empty when the run was clean. */
export function describeFindings(report: FuzzReport): string {
  const sections: string[] = [];
  const add = (title: string, count: number, list: Finding[]) => {
    if (count === 0) return;
    sections.push(`${title}: ${count}${count > list.length ? ` (first ${list.length})` : ''}`, ...list.map(describeFinding));
  };
  add('5xx answers', report.fivexx, report.examples.fivexx);
  add('answers not in the error shape', report.shapeViolations, report.examples.shape);
  return sections.join('\n');
}
