/**
 * An open-loop HTTP load generator: request i is due at start + i / rate whatever happened to earlier
 * ones, and its latency is measured from that due time, so a stalled server is charged for the requests
 * that queued behind the stall (no coordinated omission).
 *
 * Why not autocannon's `overallRate`: its clients send their whole per-second quota back-to-back at the
 * top of each second and then pause, so the server sees bursts of `connections` concurrent requests
 * rather than a steady rate; and its correction records synthetic samples every ceil(1 / rate) = 1 ms of
 * a slow response. Both inflate p50 and p99. autocannon is still used for closed-loop capacity.
 */
import { Agent, request } from 'node:http';

export interface OpenLoopOptions {
  /** Base URL, e.g. http://127.0.0.1:3000 */
  url: string;
  ratePerSecond: number;
  seconds: number;
  /** Path of the i-th request. */
  path: (i: number) => string;
  headers?: Record<string, string>;
  /** Keep-alive sockets; requests beyond them wait for one (and their wait counts). */
  connections?: number;
  /** Also return every request's due time, latency, status and the response's `modelVersion` (reads the bodies). */
  timeline?: boolean;
}

/** Every request of a run, in the order they were due (`timeline: true`). */
export interface RequestTimeline {
  /** When request 0 was due, ms since the epoch (performance.timeOrigin-based, comparable across processes). */
  startEpochMs: number;
  /** Due time of each request, ms after `startEpochMs`. */
  dueMs: number[];
  /** Latency from the due time, ms; NaN for a network error. */
  latencyMs: number[];
  /** HTTP status; 0 for a network error. */
  status: number[];
  /** Index into `versions` of the response's `modelVersion`; -1 when it had none (or no body). */
  version: number[];
  versions: string[];
}

export interface OpenLoopResult {
  targetRps: number;
  achievedRps: number;
  requests: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  errors: number;
  non2xx: number;
  /**
   * How late this generator itself sent requests (ms after their due time; p99 and max): its own GC or a
   * core taken by the server delays sends, and that delay is in the latencies above too.
   */
  sendLagP99Ms: number;
  sendLagMaxMs: number;
  timeline?: RequestTimeline;
}

/** Runs the schedule and reports latency percentiles (ms, from each request's due time). */
export async function runOpenLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections ?? 64 });
  const target = new URL(o.url);
  const total = Math.round(o.ratePerSecond * o.seconds);
  const latencies: number[] = [];
  const sendLags: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let sent = 0;
  const start = performance.now() + 20;
  const pending: Array<Promise<void>> = [];
  const line: RequestTimeline | undefined = o.timeline
    ? { startEpochMs: performance.timeOrigin + start, dueMs: [], latencyMs: [], status: [], version: [], versions: [] }
    : undefined;
  const versionIndex = new Map<string, number>();
  const record = (i: number, latency: number, status: number, body: string): void => {
    if (!line) return;
    line.latencyMs[i] = latency;
    line.status[i] = status;
    const match = /"modelVersion":"([^"]*)"/.exec(body);
    let v = -1;
    if (match) {
      v = versionIndex.get(match[1]) ?? line.versions.push(match[1]) - 1;
      versionIndex.set(match[1], v);
    }
    line.version[i] = v;
  };

  const send = (i: number, dueMs: number): Promise<void> =>
    new Promise((resolve) => {
      if (line) line.dueMs[i] = dueMs - start;
      const req = request(
        { host: target.hostname, port: target.port, path: o.path(i), method: 'GET', agent, headers: o.headers },
        (res) => {
          let body = '';
          if (line) res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          else res.resume();
          res.on('end', () => {
            const latency = performance.now() - dueMs;
            latencies.push(latency);
            if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) non2xx++;
            record(i, latency, res.statusCode ?? 0, body);
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        record(i, Number.NaN, 0, '');
        resolve();
      });
      req.end();
    });

  await new Promise<void>((done) => {
    const tick = (): void => {
      const now = performance.now();
      // Every request due by now goes out now; latency still counts from its due time.
      while (sent < total && start + (sent * 1000) / o.ratePerSecond <= now) {
        const due = start + (sent * 1000) / o.ratePerSecond;
        sendLags.push(now - due);
        pending.push(send(sent, due));
        sent++;
      }
      if (sent >= total) return done();
      const nextDue = start + (sent * 1000) / o.ratePerSecond;
      setTimeout(tick, Math.max(0, nextDue - performance.now()));
    };
    setTimeout(tick, 20);
  });
  await Promise.all(pending);
  const elapsedS = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number): number =>
    Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN).toFixed(2));
  return {
    targetRps: o.ratePerSecond,
    achievedRps: Number((latencies.length / elapsedS).toFixed(1)),
    requests: latencies.length,
    p50Ms: at(0.5),
    p90Ms: at(0.9),
    p99Ms: at(0.99),
    p999Ms: at(0.999),
    maxMs: Number((latencies.at(-1) ?? Number.NaN).toFixed(2)),
    errors,
    non2xx,
    sendLagP99Ms: Number((sendLags.sort((a, b) => a - b)[Math.floor(0.99 * (sendLags.length - 1))] ?? Number.NaN).toFixed(2)),
    sendLagMaxMs: Number((sendLags.at(-1) ?? Number.NaN).toFixed(2)),
    ...(line ? { timeline: line } : {}),
  };
}
