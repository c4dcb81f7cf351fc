/**
 * The load generator of `bench/soak.ts`, run as its own child process (so neither the orchestrator's
 * sampling nor the server shares its heap): three open-loop streams against one server, each request due
 * at start + i / rate whatever happened to earlier ones, latency measured from that due time (as
 * bench/open-loop.ts, which only sends GETs and reports whole runs):
 *   rec     GET /v1/users/:id/recommendations?n=10, known users in serve-child's fixed stride
 *   anon    POST /v1/recommendations with 1–5 recent views of a visitor (a new visitor every 4 requests)
 *   ingest  POST /v1/events, small batches: views, and clicks, carts and purchases of items from earlier
 *           slates carrying their recommendationId and position
 * The orchestrator drives it over IPC: {type:'start', job}, then {type:'sample'} for the interval since the
 * last sample, and {type:'stop'}, answered once every request has settled.
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import { createRng } from '../src/core/index.js';
import { SHOP, strided } from './serve-child.js';

export const SOAK_LOAD = new URL(import.meta.url).pathname;
export const KINDS = ['rec', 'anon', 'ingest'] as const;
export type Kind = (typeof KINDS)[number];

export interface SoakLoadJob {
  url: string;
  key: string;
  users: string[];
  rates: Record<Kind, number>;
  /** Events per ingest request. */
  ingestBatch: number;
  /** A request unanswered this long after its due time is abandoned and counted as a timeout (at this latency). */
  timeoutMs: number;
  seed: number;
}

export interface KindStats {
  /** Requests sent in the interval (or run), and requests that ended in it (answered or timed out). */
  sent: number;
  completed: number;
  ok: number;
  non2xx: number;
  /** Connection errors (refused, reset) and timeouts. */
  errors: number;
  timeouts: number;
  /** Events the server refused inside a 2xx ingest answer (ingest only). */
  rejectedEvents: number;
  /** Status code → count, for everything that was not 2xx. */
  statuses: Record<string, number>;
  /** Latency of answered requests, ms from their due time; timed-out ones count at the timeout. */
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export interface LoadReport {
  kinds: Record<Kind, KindStats>;
  /** Since the start: slates answered with 2xx (rec + anon), events sent, of them feedback (with a recommendationId). */
  slatesServed: number;
  eventsSent: number;
  feedbackEvents: number;
  /** How late this generator sent requests in the interval (its own GC or a core taken by the server), ms. */
  sendLagP99Ms: number | null;
  /** Requests sent and not settled when the report was taken. */
  pending: number;
}

export type ToLoad = { type: 'start'; job: SoakLoadJob } | { type: 'sample' } | { type: 'stop' };
export type FromLoad = { type: 'sample' | 'stopped'; report: LoadReport; total?: Record<Kind, KindStats> };

interface Counters {
  sent: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  rejectedEvents: number;
  statuses: Record<string, number>;
  latencies: number[];
}

const counters = (): Counters => ({ sent: 0, ok: 0, non2xx: 0, errors: 0, timeouts: 0, rejectedEvents: 0, statuses: {}, latencies: [] });

function percentile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2));
}

function stats(c: Counters): KindStats {
  const sorted = Float64Array.from(c.latencies).sort();
  const xs = Array.from(sorted);
  return {
    sent: c.sent,
    completed: xs.length,
    ok: c.ok,
    non2xx: c.non2xx,
    errors: c.errors,
    timeouts: c.timeouts,
    rejectedEvents: c.rejectedEvents,
    statuses: c.statuses,
    p50Ms: percentile(xs, 0.5),
    p90Ms: percentile(xs, 0.9),
    p99Ms: percentile(xs, 0.99),
    maxMs: xs.length ? Number(xs[xs.length - 1].toFixed(2)) : null,
  };
}

interface Slate {
  userId: string;
  recommendationId: string;
  items: string[];
}

interface SlateBody {
  recommendationId?: string;
  userId?: string | null;
  items?: Array<{ itemId: string }>;
}

/** Runs the three streams until stopped. */
function run(job: SoakLoadJob): { sample(): LoadReport; stop(): Promise<{ report: LoadReport; total: Record<Kind, KindStats> }> } {
  const rng = createRng(job.seed);
  const target = new URL(job.url);
  const agents: Record<Kind, Agent> = {
    rec: new Agent({ keepAlive: true, maxSockets: 64 }),
    anon: new Agent({ keepAlive: true, maxSockets: 16 }),
    ingest: new Agent({ keepAlive: true, maxSockets: 16 }),
  };
  const auth = { authorization: `Bearer ${job.key}` };
  let interval = { rec: counters(), anon: counters(), ingest: counters() };
  const total = { rec: counters(), anon: counters(), ingest: counters() };
  let sendLags: number[] = [];
  let slatesServed = 0;
  let eventsSent = 0;
  let feedbackEvents = 0;
  let pending = 0;
  let stopping = false;
  let drained: (() => void) | null = null;

  // Recent slates (for feedback events) and items seen in slates (for anonymous visitors' views): rings.
  const slates: Slate[] = [];
  const seenItems: string[] = [];
  let slateAt = 0;
  let itemAt = 0;
  const remember = (body: SlateBody, fallbackUser: string | null) => {
    const items = (body.items ?? []).map((i) => i.itemId);
    const userId = body.userId ?? fallbackUser;
    if (!body.recommendationId || !userId || items.length === 0) return;
    slates[slateAt++ % 2000] = { userId, recommendationId: body.recommendationId, items };
    for (const item of items) seenItems[itemAt++ % 5000] = item;
  };
  const anyItem = () => (seenItems.length > 0 && rng.next() < 0.7 ? seenItems[rng.int(seenItems.length)] : `i${1 + rng.int(SHOP.items)}`);

  const record = (kind: Kind, fn: (c: Counters) => void) => {
    fn(interval[kind]);
    fn(total[kind]);
  };

  /** One request; `onBody` gets the parsed JSON of a 2xx answer. */
  const send = (kind: Kind, dueMs: number, method: 'GET' | 'POST', path: string, body: unknown, onBody: (json: unknown) => void) => {
    record(kind, (c) => c.sent++);
    pending++;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> =
      payload === undefined ? auth : { ...auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
    let settled = false;
    // The timeout runs from the due time, so a request still queued for a socket times out too.
    const timeout = setTimeout(
      () => {
        settle((c) => {
          c.timeouts++;
          c.latencies.push(job.timeoutMs); // a lower bound, so that the percentiles do not leave the slowest out
        });
        req.destroy();
      },
      Math.max(0, dueMs + job.timeoutMs - performance.now()),
    );
    const settle = (fn: (c: Counters) => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      record(kind, fn);
      if (--pending === 0 && drained) drained();
    };
    const req = request(
      { host: target.hostname, port: target.port, path, method, agent: agents[kind], headers },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('error', () => settle((c) => c.errors++));
        res.on('end', () => {
          const latency = performance.now() - dueMs;
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            let json: unknown = null;
            try {
              json = JSON.parse(Buffer.concat(chunks).toString());
            } catch {
              // counted below as a good answer; the body is only used for feedback
            }
            settle((c) => {
              c.ok++;
              c.latencies.push(latency);
            });
            onBody(json);
          } else {
            settle((c) => {
              c.non2xx++;
              c.statuses[status] = (c.statuses[status] ?? 0) + 1;
              c.latencies.push(latency);
            });
          }
        });
      },
    );
    req.on('error', () => settle((c) => c.errors++));
    req.end(payload);
  };

  let recN = 0;
  const sendRec = (due: number) => {
    const path = strided(job.users, recN++);
    send('rec', due, 'GET', path, undefined, (json) => {
      slatesServed++;
      remember(json as SlateBody, null);
    });
  };

  let anonN = 0;
  const sendAnon = (due: number) => {
    const visitor = `soak-visitor-${job.seed}-${Math.floor(anonN++ / 4)}`;
    const events = Array.from({ length: 1 + rng.int(5) }, () => ({ itemId: anyItem(), type: 'view' }));
    send('anon', due, 'POST', '/v1/recommendations', { events, n: 10, visitorId: visitor, sessionId: visitor }, (json) => {
      slatesServed++;
      remember(json as SlateBody, visitor);
    });
  };

  let eventN = 0;
  const sendIngest = (due: number) => {
    const now = Date.now();
    const events = Array.from({ length: job.ingestBatch }, () => {
      const id = `soak-${job.seed}-${eventN++}`;
      const r = rng.next();
      if (r < 0.5 || slates.length === 0) {
        return { id, userId: job.users[rng.int(job.users.length)], itemId: anyItem(), type: 'view', timestamp: now };
      }
      const slate = slates[rng.int(slates.length)];
      const position = rng.int(slate.items.length);
      const type = r < 0.85 ? 'click' : r < 0.95 ? 'cart' : 'purchase';
      feedbackEvents++;
      return {
        id,
        userId: slate.userId,
        itemId: slate.items[position],
        type,
        timestamp: now,
        context: { recommendationId: slate.recommendationId, position },
      };
    });
    eventsSent += events.length;
    send('ingest', due, 'POST', '/v1/events', { events }, (json) => {
      const rejected = (json as { rejected?: unknown[] } | null)?.rejected?.length ?? 0;
      if (rejected > 0) record('ingest', (c) => (c.rejectedEvents += rejected));
    });
  };

  const senders: Record<Kind, (due: number) => void> = { rec: sendRec, anon: sendAnon, ingest: sendIngest };
  const next: Record<Kind, number> = { rec: 0, anon: 0, ingest: 0 };
  const start = performance.now() + 20;
  const due = (kind: Kind, i: number) => start + (i * 1000) / job.rates[kind];
  let timer: NodeJS.Timeout | null = null;
  const tick = () => {
    if (stopping) return;
    const now = performance.now();
    let soonest = Number.POSITIVE_INFINITY;
    for (const kind of KINDS) {
      if (job.rates[kind] <= 0) continue;
      // Every request due by now goes out now; its latency still counts from its due time.
      for (let t = due(kind, next[kind]); t <= now; t = due(kind, next[kind])) {
        sendLags.push(now - t);
        senders[kind](t);
        next[kind]++;
      }
      soonest = Math.min(soonest, due(kind, next[kind]));
    }
    timer = setTimeout(tick, Math.max(0, soonest - performance.now()));
  };
  timer = setTimeout(tick, 20);

  const sample = (): LoadReport => {
    const kinds = { rec: stats(interval.rec), anon: stats(interval.anon), ingest: stats(interval.ingest) };
    interval = { rec: counters(), anon: counters(), ingest: counters() };
    const lags = Float64Array.from(sendLags).sort();
    sendLags = [];
    return { kinds, slatesServed, eventsSent, feedbackEvents, sendLagP99Ms: percentile(Array.from(lags), 0.99), pending };
  };

  const stop = async () => {
    stopping = true;
    if (timer) clearTimeout(timer);
    if (pending > 0) await new Promise<void>((resolve) => (drained = resolve));
    for (const agent of Object.values(agents)) agent.destroy();
    return { report: sample(), total: { rec: stats(total.rec), anon: stats(total.anon), ingest: stats(total.ingest) } };
  };
  return { sample, stop };
}

// Runs only as the child process's entry point.
if (process.argv[1] === SOAK_LOAD) {
  let load: ReturnType<typeof run> | null = null;
  process.on('message', (message: ToLoad) => {
    if (message.type === 'start') load = run(message.job);
    else if (message.type === 'sample' && load) process.send?.({ type: 'sample', report: load.sample() } satisfies FromLoad);
    else if (message.type === 'stop' && load) {
      void load
        .stop()
        .then(({ report, total }) => process.send?.({ type: 'stopped', report, total } satisfies FromLoad, () => process.disconnect()));
    }
  });
  // The orchestrator gone (killed, or done) means this process has nothing left to do.
  process.on('disconnect', () => process.exit(0));
}
