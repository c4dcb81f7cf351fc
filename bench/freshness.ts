/**
 * Freshness of the learning loop: how long from an event's acknowledgement until a serving version has
 * trained on it, on the demo shop, with the default training settings. A real `curio serve` (bin/curio.js,
 * trainer on) over the demo's simulated shop; a stream of new behaviour is posted at --rate events/s for
 * --minutes; the registry is polled and each event's freshness is the first promotion of a version whose
 * window reaches the event's time, minus the event's acknowledgement. Events no version reached by the end
 * of the wait (--wait-minutes after the stream) are censored and counted.
 * Run: npm run bench:freshness [-- --minutes 30 --rate 5 --wait-minutes 20 --out bench/results/freshness.json]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateIntoStore } from '../src/cli/commands/simulate.js';
import { createRng, type Event } from '../src/core/index.js';
import { openStore, type ModelVersion } from '../src/store/index.js';
import { CRASH_KEY, killStartedOnExit, postEvents, startServer, stopServer } from '../test/support/crash-harness.js';

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const MINUTES = Number(argValue('minutes') ?? 30);
const RATE = Number(argValue('rate') ?? 5);
const WAIT_MINUTES = Number(argValue('wait-minutes') ?? 20);
const OUT = argValue('out') ?? 'bench/results/freshness.json';
const TARGET_MINUTES = 15;
const DEMO = { seed: 7, users: 2000, items: 1000, days: 14 };

const line = (text: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${text}`);

killStartedOnExit();
const dir = mkdtempSync(join(tmpdir(), 'curio-freshness-'));
const file = join(dir, 'demo.db');
try {
  // The demo's shop, ending now (as `curio demo` builds it).
  const store = await openStore(`sqlite:${file}`);
  const sim = await simulateIntoStore(store, { ...DEMO, startTime: Date.now() - DEMO.days * 86_400_000 });
  const history: Event[] = [];
  for await (const e of store.scanEvents()) if (e.itemId !== null && e.type !== 'impression') history.push(e);
  await store.close();
  line(`demo shop: ${sim.items} items, ${sim.accepted} events`);

  const server = await startServer(file, { env: { CURIO_TRAINING_WORKER: 'true', CURIO_LOG_LEVEL: 'warn' }, timeoutMs: 120_000 });
  line(`server ${server.pid} at ${server.url} (trainer on, default training settings)`);
  const versions = new Map<string, ModelVersion>();
  const poll = async () => {
    const res = await fetch(`${server.url}/v1/admin/models?limit=1000`, { headers: { authorization: `Bearer ${CRASH_KEY}` } });
    const body = (await res.json()) as { versions: ModelVersion[] };
    for (const v of body.versions) {
      const known = versions.get(v.id);
      if (v.promotedAt && !known?.promotedAt) line(`version ${v.id} (${v.model}) promoted; window to ${v.window.lastEventAt}`);
      if (v.state === 'rejected' && !known) line(`version ${v.id} (${v.model}) rejected: ${v.reason}`);
      // The first promotion is what counts: a later rollback or re-promotion does not make it fresher.
      versions.set(v.id, known?.promotedAt ? { ...v, promotedAt: known.promotedAt } : v);
    }
  };
  const poller = setInterval(() => void poll().catch(() => undefined), 5000);

  // The stream: shoppers repeat behaviour like their own (an item of one of their past events), stamped now.
  const rng = createRng(11);
  const sent: Array<{ timestamp: number; ackMs: number }> = [];
  const streamEnd = Date.now() + MINUTES * 60_000;
  let n = 0;
  let lastReport = Date.now();
  while (Date.now() < streamEnd) {
    const tick = Date.now();
    const batch = Array.from({ length: RATE }, () => {
      const like = history[rng.int(history.length)];
      return {
        id: `fresh-${n++}`,
        userId: like.userId,
        itemId: like.itemId,
        type: like.type === 'purchase' ? 'cart' : like.type,
        timestamp: tick,
      };
    });
    await postEvents(server.url, batch);
    const ackMs = Date.now();
    for (const _ of batch) sent.push({ timestamp: tick, ackMs });
    if (ackMs - lastReport >= 60_000) {
      lastReport = ackMs;
      line(`${sent.length} events acknowledged, ${[...versions.values()].filter((v) => v.promotedAt).length} versions promoted`);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - tick))));
  }
  const lastTimestamp = sent[sent.length - 1].timestamp;
  const waitEnd = Date.now() + WAIT_MINUTES * 60_000;
  line(`stream over (${sent.length} events); waiting up to ${WAIT_MINUTES} min for a version to reach the last one`);
  while (Date.now() < waitEnd) {
    await poll();
    if ([...versions.values()].some((v) => v.promotedAt && v.window.lastEventAt && Date.parse(v.window.lastEventAt) >= lastTimestamp))
      break;
    await new Promise((r) => setTimeout(r, 5000));
  }
  clearInterval(poller);
  await poll();
  const jobs = (await (
    await fetch(`${server.url}/v1/admin/jobs?limit=1000`, { headers: { authorization: `Bearer ${CRASH_KEY}` } })
  ).json()) as {
    jobs: Array<{
      kind: string;
      trigger: string;
      state: string;
      startedAt: string | null;
      finishedAt: string | null;
      result: { decision?: string } | null;
    }>;
  };
  await stopServer(server);

  const promoted = [...versions.values()]
    .filter((v) => v.promotedAt && v.window.lastEventAt)
    .sort((a, b) => a.promotedAt!.localeCompare(b.promotedAt!));
  const freshness = sent.map(({ timestamp, ackMs }) => {
    const first = promoted.find((v) => Date.parse(v.window.lastEventAt!) >= timestamp);
    return first ? (Date.parse(first.promotedAt!) - ackMs) / 60_000 : Number.POSITIVE_INFINITY;
  });
  const sorted = [...freshness].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  const censored = freshness.filter((f) => !Number.isFinite(f)).length;
  const median = q(0.5);
  const result = {
    bench: 'freshness',
    target: { medianMinutes: TARGET_MINUTES },
    met: median <= TARGET_MINUTES,
    settings: { demo: DEMO, streamMinutes: MINUTES, eventsPerSecond: RATE, waitMinutes: WAIT_MINUTES, training: 'defaults' },
    events: sent.length,
    freshnessMinutes: { median, p10: q(0.1), p90: q(0.9), censored },
    versions: promoted.map((v) => ({
      id: v.id,
      model: v.model,
      promotedAt: v.promotedAt,
      lastEventAt: v.window.lastEventAt,
      trainSeconds: v.trainSeconds,
    })),
    jobs: jobs.jobs.map((j) => ({
      kind: j.kind,
      trigger: j.trigger,
      state: j.state,
      startedAt: j.startedAt,
      finishedAt: j.finishedAt,
      decision: j.result?.decision ?? null,
    })),
    machine: { cpus: cpus().length, loadavg: loadavg(), node: process.version },
  };
  const fmt = (m: number) => (Number.isFinite(m) ? `${m.toFixed(1)} min` : 'not reached');
  console.log(
    `freshness over ${sent.length} events: median ${fmt(median)} (target ≤ ${TARGET_MINUTES}), p10 ${fmt(q(0.1))}, p90 ${fmt(q(0.9))}, censored ${censored}`,
  );
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
