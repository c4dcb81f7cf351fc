/**
 * Learning loop: does the loop beat a frozen model? Replays a time-ordered stream day by day (the synthetic
 * shop with drifting interests, and the Taobao UserBehavior sample). The first warm-up days go into a fresh
 * SQLite store and one retrain job trains the model that stays (a) frozen. Then for each following day d:
 * every user active on d with history before d is scored with (a) and with (b) the loop's serving version
 * (state = the user's newest `serving.historyLength` behaviour events before d, as the server reads it;
 * targets = the distinct items of the user's day-d behaviour not already in that state nor bought or
 * disliked before, which the server never shows again; full ranking over the model's items, the state's and
 * the blocked items removed; a target the model does not know is a miss), HR@10 and
 * NDCG@10; then day d goes into the store and the loop runs the job the supervisor would queue at the end
 * of the day (its rules, `queueDue`, on the simulated clock: the default cron retrains daily), in-process.
 *
 *   npm run bench:loop [-- --streams shop,taobao --shop-users 1500 --max-train-minutes 2]  → bench/results/loop.json
 *   npm run bench:loop -- --streams shop --shop-new-items 10 --out bench/results/loop-arrivals.json  (a catalogue with new arrivals)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Cron } from 'croner';
import { EVENT_TYPES, loadConfig, type Config, type Event, type EventType, type Item } from '../src/core/index.js';
import { createShop, parseMetric, rankFull, type CaseOutcome, type MetricContext } from '../src/eval/index.js';
import { getImporter, Ingestor } from '../src/ingest/index.js';
import { BLOCKING_TYPES, STATE_TYPES } from '../src/recommend/index.js';
import { openStore, type Store } from '../src/store/index.js';
import { enqueueJob, loadVersion, runTrainingJob, type JobOutcome, type LoadedVersion } from '../src/train/index.js';
import { datasetPath, portablePath } from './datasets.js';

const DAY_MS = 86_400_000;
const K = 10;
const METRICS = [`hr@${K}`, `ndcg@${K}`] as const;
/** The behaviours a model trains on (datasetFromStore's default): a day's targets are items of these. */
const TARGET_TYPES = new Set<EventType>(['view', 'click', 'cart', 'favorite', 'purchase', 'review', 'rating']);
const STATE = new Set<EventType>(STATE_TYPES);
const BLOCKING = new Set<EventType>(BLOCKING_TYPES);
/** The official UserBehavior window, 2017-11-25 .. 2017-12-03 in China Standard Time (UTC+8), as the papers filter it. */
const TAOBAO_START_MS = Date.UTC(2017, 10, 24, 16);
const TAOBAO_DAYS = 9;
/** The lift the issue asks of the loop on the drifting shop. */
const TARGET_LIFT = 0.1;

const { values: args } = parseArgs({
  options: {
    streams: { type: 'string', default: 'shop,taobao' },
    'shop-warmup-days': { type: 'string', default: '7' },
    'shop-days': { type: 'string', default: '21' },
    'shop-users': { type: 'string', default: '1500' },
    'shop-items': { type: 'string', default: '1000' },
    'shop-seed': { type: 'string', default: '42' },
    // The drifting shop of bench:explore (8% of shoppers a day start a new interest, 0.4 sessions a day).
    'shop-drift': { type: 'string', default: '0.08' },
    'shop-sessions': { type: 'string', default: '0.4' },
    /** New arrivals: catalogue items launched per day after day 0 (src/eval/simulator/arrivals.ts); 0 = a fixed catalogue. */
    'shop-new-items': { type: 'string', default: '0' },
    'taobao-warmup-days': { type: 'string', default: '4' },
    /** Keep only the first N users of the Taobao file (0 = all; the sample has 43). */
    'taobao-users': { type: 'string', default: '0' },
    /** Caps training.maxTrainMinutes (default 20) so the run fits the machine; '' keeps the default. */
    'max-train-minutes': { type: 'string', default: '2' },
    /** Overrides training.schedule (e.g. '' for incremental updates only); absent = the default. */
    schedule: { type: 'string' },
    /** Overrides training.candidates: model ids, comma-separated (default params); absent = the default. */
    candidates: { type: 'string' },
    out: { type: 'string', default: 'bench/results/loop.json' },
    verbose: { type: 'boolean', default: false },
  },
});

/** A time-ordered stream of events and where its days start. */
interface Stream {
  name: string;
  description: string;
  settings: Record<string, unknown>;
  warmupDays: number;
  /** Start of day 0 (ms); day d is [originMs + d·DAY, originMs + (d+1)·DAY). */
  originMs: number;
  days: number;
  /** Time-ordered, each inside [originMs, originMs + days·DAY). */
  events: Event[];
  /** The catalogue entry of every item the events name, written to the store when an item is first named. */
  items: Map<string, Item>;
}

function shopStream(): Stream {
  const options = {
    seed: Number(args['shop-seed']),
    users: Number(args['shop-users']),
    items: Number(args['shop-items']),
    days: Number(args['shop-days']),
    driftRatePerDay: Number(args['shop-drift']),
    sessionsPerUserPerDay: Number(args['shop-sessions']),
    newItemsPerDay: Number(args['shop-new-items']),
  };
  const shop = createShop(options);
  const arrivals = options.newItemsPerDay > 0 ? `, ${options.newItemsPerDay} new arrivals a day` : '';
  const events = [...shop.events()].filter((e) => e.timestamp < shop.endTime);
  return {
    name: 'shop',
    description: `synthetic shop (src/eval/simulator) with interest drift${arrivals}: ${options.users} users, ${options.items} items, ${options.days} days`,
    settings: { simulator: shop.options },
    warmupDays: Number(args['shop-warmup-days']),
    originMs: shop.options.startTime,
    days: options.days,
    events: sortByTime(events),
    items: new Map(shop.items.map((item) => [item.id, item])),
  };
}

/** The Taobao UserBehavior file through Curio's own importer (`curio import taobao`), cut to the official window. */
async function taobaoStream(): Promise<Stream> {
  const file = datasetPath('taobao-userbehavior-sample', 'UserBehavior.csv');
  const maxUsers = Number(args['taobao-users']);
  const source = await getImporter('taobao').open(file, { sourceName: 'UserBehavior.csv' });
  const end = TAOBAO_START_MS + TAOBAO_DAYS * DAY_MS;
  const events: Event[] = [];
  const items = new Map<string, Item>();
  const users = new Set<string>();
  let rows = 0;
  let outside = 0;
  for await (const chunk of source.rows) {
    for (const row of chunk) {
      rows++;
      if ('reason' in row) throw new Error(`${file}:${row.line}: ${row.reason}`);
      for (const e of row.events) {
        if (e.timestamp < TAOBAO_START_MS || e.timestamp >= end) {
          outside++;
          continue;
        }
        if (maxUsers > 0 && !users.has(e.userId) && users.size >= maxUsers) continue;
        users.add(e.userId);
        events.push(e);
      }
      for (const seed of row.items) if (!items.has(seed.id)) items.set(seed.id, catalogueItem(seed.id, seed.categoryPath ?? []));
    }
  }
  return {
    name: 'taobao',
    description: `Taobao UserBehavior sample (${portablePath(file)}), ${users.size} users, 2017-11-25..2017-12-03 (UTC+8 days)`,
    settings: {
      file: portablePath(file),
      rows,
      outsideWindow: outside,
      users: users.size,
      maxUsers: maxUsers || null,
      dayStartUtcOffsetHours: 8,
    },
    warmupDays: Number(args['taobao-warmup-days']),
    originMs: TAOBAO_START_MS,
    days: TAOBAO_DAYS,
    events: sortByTime(events),
    items,
  };
}

/** An item as the importer creates one it has not seen (src/ingest/importers/items.ts). */
function catalogueItem(id: string, categoryPath: string[]): Item {
  return {
    id,
    title: '',
    description: '',
    categoryPath,
    tags: [],
    brand: null,
    price: null,
    attributes: {},
    available: true,
    createdAt: TAOBAO_START_MS,
  };
}

/** Stable: events with the same time keep their stream order. */
function sortByTime(events: Event[]): Event[] {
  return events
    .map((e, k) => ({ e, k }))
    .sort((a, b) => a.e.timestamp - b.e.timestamp || a.k - b.k)
    .map(({ e }) => e);
}

/** A user's newest behaviour events (at most historyLength), oldest first: what the server's state holds. */
interface HistoryEvent {
  itemId: string;
  type: EventType;
  timestamp: number;
}

class Histories {
  readonly byUser = new Map<string, HistoryEvent[]>();
  /** Every item of a user's behaviour so far, beyond the state too. */
  private readonly everByUser = new Map<string, Set<string>>();
  /** What the user bought or disliked so far: the server's rules never show it to them again. */
  private readonly blockedByUser = new Map<string, Set<string>>();
  constructor(private readonly length: number) {}
  add(e: Event): void {
    if (e.itemId === null || !STATE.has(e.type)) return;
    let ever = this.everByUser.get(e.userId);
    if (!ever) this.everByUser.set(e.userId, (ever = new Set()));
    ever.add(e.itemId);
    if (BLOCKING.has(e.type)) {
      let blocked = this.blockedByUser.get(e.userId);
      if (!blocked) this.blockedByUser.set(e.userId, (blocked = new Set()));
      blocked.add(e.itemId);
    }
    let list = this.byUser.get(e.userId);
    if (!list) this.byUser.set(e.userId, (list = []));
    list.push({ itemId: e.itemId, type: e.type, timestamp: e.timestamp });
    if (list.length > 2 * this.length) list.splice(0, list.length - this.length);
  }
  get(userId: string): HistoryEvent[] {
    return (this.byUser.get(userId) ?? []).slice(-this.length);
  }
  hasEver(userId: string, itemId: string): boolean {
    return this.everByUser.get(userId)?.has(itemId) ?? false;
  }
  /** A copy: the day's cases keep what was blocked before the day, whatever is appended after. */
  blocked(userId: string): ReadonlySet<string> {
    return new Set(this.blockedByUser.get(userId));
  }
}

/** One user on one day: the state before the day, what the server blocks for them, and the new items of the day. */
interface DayCase {
  userId: string;
  history: HistoryEvent[];
  /** Bought or disliked before the day: out of the candidates, never a target (the server never shows them again). */
  blocked: ReadonlySet<string>;
  targets: string[];
}

interface CaseCounts {
  /** Users with a behaviour event on the day. */
  activeUsers: number;
  /** Of those, users with no history before the day (not scored: no state). */
  withoutHistory: number;
  /** Users whose day held only items already in their state (not scored). */
  onlySeen: number;
  /** Distinct (user, item) pairs of the day dropped because the item was in the state. */
  seenTargets: number;
  /** Distinct (user, item) pairs dropped because the user had bought or disliked the item before (not in the state). */
  blockedTargets: number;
  /** The targets kept (distinct user-item pairs of the scored users). */
  targets: number;
  /** Of those, the items the user had met before the state's window: revisits no state shows. */
  revisitTargets: number;
}

function dayCases(dayEvents: Event[], histories: Histories): { cases: DayCase[]; counts: CaseCounts } {
  const targets = new Map<string, Set<string>>();
  for (const e of dayEvents) {
    if (e.itemId === null || !TARGET_TYPES.has(e.type)) continue;
    let set = targets.get(e.userId);
    if (!set) targets.set(e.userId, (set = new Set()));
    set.add(e.itemId);
  }
  const counts: CaseCounts = {
    activeUsers: targets.size,
    withoutHistory: 0,
    onlySeen: 0,
    seenTargets: 0,
    blockedTargets: 0,
    targets: 0,
    revisitTargets: 0,
  };
  const cases: DayCase[] = [];
  for (const [userId, items] of targets) {
    const history = histories.get(userId);
    if (history.length === 0) {
      counts.withoutHistory++;
      continue;
    }
    const seen = new Set(history.map((h) => h.itemId));
    const blocked = histories.blocked(userId);
    const unseen = [...items].filter((i) => !seen.has(i));
    const fresh = unseen.filter((i) => !blocked.has(i));
    counts.seenTargets += items.size - unseen.length;
    counts.blockedTargets += unseen.length - fresh.length;
    counts.targets += fresh.length;
    counts.revisitTargets += fresh.filter((i) => histories.hasEver(userId, i)).length;
    if (fresh.length === 0) counts.onlySeen++;
    else cases.push({ userId, history, blocked, targets: fresh });
  }
  return { cases, counts };
}

interface DayScore {
  'hr@10': number;
  'ndcg@10': number;
  /** Share of the day's targets the model does not know (misses whatever it does). */
  unknownTargets: number;
}

/** Scores every case with a served version the way the server builds its state (candidates.ts, modelState). */
function scoreDay(served: LoadedVersion, cases: DayCase[]): DayScore {
  const { model, itemIds } = served;
  const index = new Map(itemIds.map((id, i) => [id, i]));
  const userRows = served.userIds ? new Map(served.userIds.map((id, i) => [id, i])) : null;
  const ctx: MetricContext = { nItems: model.nItems, itemUsers: new Float64Array(model.nItems), nTrainUsers: 1 };
  const accs = METRICS.map((m) => parseMetric(m).create(ctx));
  const scores = new Float32Array(model.nItems);
  const excluded = new Uint8Array(model.nItems);
  let targets = 0;
  let unknown = 0;
  for (const c of cases) {
    const known = c.history.filter((h) => index.has(h.itemId));
    const items = Int32Array.from(known, (h) => index.get(h.itemId)!);
    model.scoreAll(
      {
        user: userRows?.get(c.userId),
        items,
        types: Uint8Array.from(known, (h) => EVENT_TYPES.indexOf(h.type)),
        timestampsMs: Float64Array.from(known, (h) => h.timestamp),
      },
      scores,
    );
    const blocked = [...c.blocked].flatMap((id) => index.get(id) ?? []);
    for (const i of items) excluded[i] = 1;
    for (const i of blocked) excluded[i] = 1;
    const knownTargets = c.targets.filter((t) => index.has(t));
    const outcome = rankFull(
      scores,
      excluded,
      Int32Array.from(knownTargets, (t) => index.get(t)!),
      0,
    );
    for (const i of items) excluded[i] = 0;
    for (const i of blocked) excluded[i] = 0;
    const misses = c.targets.length - knownTargets.length;
    const ranks = Float64Array.from([...outcome.ranks, ...new Array<number>(misses).fill(Number.POSITIVE_INFINITY)]).sort();
    const full: CaseOutcome = { ranks, nCandidates: outcome.nCandidates, topK: outcome.topK };
    for (const acc of accs) acc.add(full);
    targets += c.targets.length;
    unknown += misses;
  }
  const value = (k: number) => (cases.length === 0 ? Number.NaN : accs[k].value());
  return { 'hr@10': value(0), 'ndcg@10': value(1), unknownTargets: targets === 0 ? 0 : unknown / targets };
}

/** What the supervisor's `queueDue` would queue at `now` (simulated time), given what the loop did so far. */
interface LoopClock {
  /** Simulated time of the newest retrain job, and of the job that made the serving version. */
  lastRetrainAt: number | null;
  servingTrainedAt: number | null;
  servingLastEventMs: number | null;
}

function dueJob(
  now: number,
  clock: LoopClock,
  newEvents: number,
  training: Config['training'],
): { kind: 'retrain' | 'incremental'; trigger: string } | null {
  if (clock.servingTrainedAt === null) return { kind: 'retrain', trigger: 'no-serving-version' };
  if (training.schedule !== '') {
    const from = new Date(clock.lastRetrainAt ?? clock.servingTrainedAt);
    const next = new Cron(training.schedule, { paused: true }).nextRun(from);
    if (next && next.getTime() <= now) return { kind: 'retrain', trigger: 'schedule' };
  }
  if (newEvents >= training.minNewEvents) return { kind: 'incremental', trigger: 'new-events' };
  const staleMs = training.maxStalenessMinutes * 60_000;
  if (newEvents > 0 && staleMs > 0 && now - clock.servingTrainedAt >= staleMs) return { kind: 'incremental', trigger: 'staleness' };
  return null;
}

interface JobRow {
  kind: string;
  trigger: string;
  decision: JobOutcome['decision'];
  chosen: string | null;
  reason: string;
  seconds: number;
}

async function runJob(store: Store, config: Config, kind: 'retrain' | 'incremental', trigger: string, now: number): Promise<JobRow> {
  const job = await enqueueJob(store, kind, trigger, {}, now);
  await store.updateJob(job.id, { state: 'running', startedAt: new Date(now).toISOString() });
  const started = performance.now();
  const tty = process.stderr.isTTY;
  let result: Record<string, unknown> = {};
  const outcome = await runTrainingJob({
    store,
    config,
    job,
    checkpoint: null,
    reporter: {
      progress: (fraction, step) => {
        if (tty) process.stderr.write(`\r    ${kind} ${(fraction * 100).toFixed(0)}% ${step}\x1b[K`);
      },
      log: (line) => {
        if (args.verbose) process.stderr.write(`${tty ? '\r\x1b[K' : ''}    ${line}\n`);
      },
      remember: async (values) => {
        result = { ...result, ...values };
        await store.updateJob(job.id, { result });
      },
    },
  });
  if (tty) process.stderr.write('\r\x1b[K');
  await store.updateJob(job.id, { state: 'succeeded', finishedAt: new Date(now).toISOString(), result: { ...result, ...outcome } });
  return {
    kind,
    trigger,
    decision: outcome.decision,
    chosen: outcome.chosen,
    reason: outcome.reason,
    seconds: round((performance.now() - started) / 1000, 1),
  };
}

interface DayRow {
  day: number;
  date: string;
  events: number;
  cases: number;
  counts: CaseCounts;
  frozen: DayScore;
  loop: DayScore;
  /** The loop's serving version that scored the day, and the job run after it (null: none due, or the last day). */
  loopVersion: string | null;
  job: JobRow | null;
  scoreSeconds: number;
}

interface Totals {
  frozen: { 'hr@10': number; 'ndcg@10': number };
  loop: { 'hr@10': number; 'ndcg@10': number };
  lift: { 'hr@10': number; 'ndcg@10': number };
  cases: number;
  days: number;
}

/** Event-weighted means over the scored days: each day weighs its scored users (= the mean over every scored user-day). */
function totals(rows: DayRow[]): Totals {
  const scored = rows.filter((r) => r.cases > 0);
  const n = scored.reduce((s, r) => s + r.cases, 0);
  const mean = (side: 'frozen' | 'loop', m: (typeof METRICS)[number]) => scored.reduce((s, r) => s + r.cases * r[side][m], 0) / n;
  const frozen = { 'hr@10': mean('frozen', 'hr@10'), 'ndcg@10': mean('frozen', 'ndcg@10') };
  const loop = { 'hr@10': mean('loop', 'hr@10'), 'ndcg@10': mean('loop', 'ndcg@10') };
  const lift = { 'hr@10': loop['hr@10'] / frozen['hr@10'] - 1, 'ndcg@10': loop['ndcg@10'] / frozen['ndcg@10'] - 1 };
  return { frozen, loop, lift, cases: n, days: scored.length };
}

async function runStream(stream: Stream, config: Config): Promise<Record<string, unknown>> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'curio-bench-loop-'));
  const store = await openStore(`sqlite:${join(dir, 'loop.db')}`);
  const ingestor = new Ingestor({ store, idSecret: null });
  const stored = new Set<string>();
  const histories = new Histories(config.serving.historyLength);
  const byDay: Event[][] = Array.from({ length: stream.days }, () => []);
  for (const e of stream.events) byDay[Math.floor((e.timestamp - stream.originMs) / DAY_MS)].push(e);
  const dayEnd = (d: number) => stream.originMs + (d + 1) * DAY_MS - 1;
  const dateOf = (d: number) => new Date(stream.originMs + d * DAY_MS).toISOString().slice(0, 10);
  const users = new Set(stream.events.map((e) => e.userId));
  console.log(
    `${stream.name}: ${stream.description}; ${stream.events.length.toLocaleString('en')} events, ${users.size} users, ${stream.items.size} items; ` +
      `warm-up ${stream.warmupDays} days, ${stream.days - stream.warmupDays} scored`,
  );

  /** Writes a day's events (and the items they name first) into the store, as the shop would send them. */
  const append = async (events: Event[]): Promise<void> => {
    const fresh: Item[] = [];
    for (const e of events) {
      if (e.itemId === null || stored.has(e.itemId)) continue;
      stored.add(e.itemId);
      const item = stream.items.get(e.itemId);
      if (item) fresh.push(item);
    }
    for (let i = 0; i < fresh.length; i += 1000) await ingestor.upsertItems(fresh.slice(i, i + 1000));
    for (let i = 0; i < events.length; i += 10_000) await ingestor.appendEvents(events.slice(i, i + 10_000));
    for (const e of events) histories.add(e);
  };

  const clock: LoopClock = { lastRetrainAt: null, servingTrainedAt: null, servingLastEventMs: null };
  let appendedThrough = -1;
  /** The job the supervisor would run at the end of day d; updates the simulated clock. */
  const loopJob = async (d: number): Promise<JobRow | null> => {
    const now = dayEnd(d);
    const since = clock.servingLastEventMs ?? Number.NEGATIVE_INFINITY;
    let fresh = 0;
    for (let k = 0; k <= appendedThrough; k++) for (const e of byDay[k]) if (e.timestamp > since) fresh++;
    const due = dueJob(now, clock, fresh, config.training);
    if (!due) return null;
    const row = await runJob(store, config, due.kind, due.trigger, now);
    if (due.kind === 'retrain') clock.lastRetrainAt = now;
    if (row.decision === 'promoted') {
      const serving = await store.servingModelVersion();
      clock.servingTrainedAt = now;
      clock.servingLastEventMs = serving?.window.lastEventAt ? Date.parse(serving.window.lastEventAt) : null;
    }
    return row;
  };

  try {
    for (let d = 0; d < stream.warmupDays; d++) await append(byDay[d]);
    appendedThrough = stream.warmupDays - 1;
    const warmup = await loopJob(stream.warmupDays - 1);
    const frozenVersion = await store.servingModelVersion();
    if (!frozenVersion) throw new Error(`${stream.name}: the warm-up job promoted nothing (${warmup?.reason ?? 'no job'})`);
    const frozen = await loadVersion(store, frozenVersion);
    console.log(
      `  warm-up (days 0-${stream.warmupDays - 1}): ${warmup?.kind} → ${warmup?.decision} ${warmup?.chosen} in ${warmup?.seconds} s; frozen = ${frozenVersion.id}`,
    );
    let loop = frozen;
    const rows: DayRow[] = [];
    for (let d = stream.warmupDays; d < stream.days; d++) {
      const scoreStarted = performance.now();
      const { cases, counts } = dayCases(byDay[d], histories);
      const a = scoreDay(frozen, cases);
      const b = loop.version.id === frozen.version.id ? a : scoreDay(loop, cases);
      const scoreSeconds = round((performance.now() - scoreStarted) / 1000, 1);
      await append(byDay[d]);
      appendedThrough = d;
      const job = d < stream.days - 1 ? await loopJob(d) : null;
      const row: DayRow = {
        day: d,
        date: dateOf(d),
        events: byDay[d].length,
        cases: cases.length,
        counts,
        frozen: roundScore(a),
        loop: roundScore(b),
        loopVersion: loop.version.id,
        job,
        scoreSeconds,
      };
      rows.push(row);
      console.log(
        `  day ${d} ${row.date}: ${cases.length} users | frozen HR@10 ${fmt(a['hr@10'])} NDCG@10 ${fmt(a['ndcg@10'])} | ` +
          `loop HR@10 ${fmt(b['hr@10'])} NDCG@10 ${fmt(b['ndcg@10'])} | lift ${pct(b['hr@10'] / a['hr@10'] - 1)} / ${pct(b['ndcg@10'] / a['ndcg@10'] - 1)}` +
          (job ? ` | then ${job.kind} (${job.trigger}): ${job.decision} ${job.chosen ?? ''} ${job.seconds} s` : ''),
      );
      const serving = await store.servingModelVersion();
      if (serving && serving.id !== loop.version.id) loop = await loadVersion(store, serving);
    }
    const sum = totals(rows);
    console.log(
      `  ${stream.name} overall (${sum.cases} user-days over ${sum.days} days): frozen HR@10 ${fmt(sum.frozen['hr@10'])} NDCG@10 ${fmt(sum.frozen['ndcg@10'])} | ` +
        `loop HR@10 ${fmt(sum.loop['hr@10'])} NDCG@10 ${fmt(sum.loop['ndcg@10'])} | lift ${pct(sum.lift['hr@10'])} / ${pct(sum.lift['ndcg@10'])}`,
    );
    const jobs = [warmup, ...rows.map((r) => r.job)].filter((j): j is JobRow => j !== null);
    return {
      description: stream.description,
      settings: { ...stream.settings, warmupDays: stream.warmupDays, days: stream.days, scoredDays: stream.days - stream.warmupDays },
      events: stream.events.length,
      users: users.size,
      items: stream.items.size,
      frozenVersion: { id: frozenVersion.id, model: frozenVersion.model, chosen: warmup?.chosen ?? null, window: frozenVersion.window },
      warmupJob: warmup,
      totals: roundTotals(sum),
      revisitShare: round(rows.reduce((s, r) => s + r.counts.revisitTargets, 0) / rows.reduce((s, r) => s + r.counts.targets, 0)),
      jobs: {
        count: jobs.length,
        promoted: jobs.filter((j) => j.decision === 'promoted').length,
        rejected: jobs.filter((j) => j.decision === 'rejected').length,
        skipped: jobs.filter((j) => j.decision === 'skipped').length,
        seconds: round(
          jobs.reduce((s, j) => s + j.seconds, 0),
          1,
        ),
      },
      days: rows,
      seconds: round((performance.now() - started) / 1000, 1),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (x: number, digits = 4): number => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);
const roundScore = (s: DayScore): DayScore => ({
  'hr@10': round(s['hr@10']),
  'ndcg@10': round(s['ndcg@10']),
  unknownTargets: round(s.unknownTargets),
});
const roundTotals = (t: Totals): Totals => ({
  frozen: { 'hr@10': round(t.frozen['hr@10']), 'ndcg@10': round(t.frozen['ndcg@10']) },
  loop: { 'hr@10': round(t.loop['hr@10']), 'ndcg@10': round(t.loop['ndcg@10']) },
  lift: { 'hr@10': round(t.lift['hr@10']), 'ndcg@10': round(t.lift['ndcg@10']) },
  cases: t.cases,
  days: t.days,
});
const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : String(x));
const pct = (x: number): string => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%` : String(x));

function gitState(): Record<string, unknown> {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    return { commit, uncommittedSrcFiles: dirty.map((l) => l.slice(3)) };
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadBefore = loadavg();
  // Read now: the code that runs is the working tree at the start (others may commit meanwhile).
  const git = gitState();
  const cap = args['max-train-minutes'] === '' ? {} : { maxTrainMinutes: Number(args['max-train-minutes']) };
  const schedule = args.schedule === undefined ? {} : { schedule: args.schedule };
  const candidates =
    args.candidates === undefined ? {} : { candidates: args.candidates.split(',').map((model) => ({ model, params: {} })) };
  const config = loadConfig({
    overrides: { logLevel: 'silent', 'auth.disabled': true, training: { worker: false, ...cap, ...schedule, ...candidates } },
    env: {},
  });
  const defaults = loadConfig({ env: {} }).training;
  const names = args.streams.split(',').filter(Boolean);
  const streams: Record<string, Record<string, unknown>> = {};
  for (const name of names) {
    const stream = name === 'shop' ? shopStream() : name === 'taobao' ? await taobaoStream() : null;
    if (!stream) throw new Error(`unknown stream "${name}" (shop, taobao)`);
    streams[name] = await runStream(stream, config);
  }
  const shopLift = (streams.shop?.totals as Totals | undefined)?.lift;
  const { training } = config;
  const doc = {
    bench: 'learning loop vs a frozen model (npm run bench:loop)',
    date: new Date().toISOString(),
    question:
      'Replay each stream day by day; score every next day with (a) the model frozen after the warm-up training and (b) the loop as configured by default. Target: (b) at least 10% above (a) on the drifting shop.',
    protocol: {
      cases:
        'each user with a behaviour event on day d and a state before d; state = the newest serving.historyLength behaviour events (every type but impression and search) before d, as the server reads it',
      targets:
        "the distinct items of the user's day-d view/click/cart/favorite/purchase/review/rating events that are not in the state (items already in the state are removed from the candidates, as the evaluation harness removes the history, so they cannot be targets) and that the user had not bought or disliked before d (the server's rules never show those again: they leave the candidates too, as in the trainer's validation and gate)",
      ranking:
        "full ranking over the model's own items, pessimistic ties (rankFull); a target the model does not know is a miss; HR@10 and NDCG@10 per user (src/eval/metrics)",
      totals: 'event-weighted mean over the scored days: each day weighs its scored users (= the mean over every scored user-day)',
      firstScoredDay: 'the loop has not run yet: (a) and (b) are the same model that day',
    },
    loop: {
      policy:
        "after each scored day is appended (not after the last), the job the supervisor's queueDue would queue at the end of that day on the simulated clock: a retrain when the cron schedule has fired since the last retrain, else an incremental update when training.minNewEvents new events (or any new event past training.maxStalenessMinutes); one job per day, run in-process (runTrainingJob) as the job process would, at the bench's priority",
      note: 'the default schedule (daily 03:00) fires every simulated day, so every day gets a retrain; in a live server the 03:00 retrain is followed by incremental updates through the day, so the model at midnight has seen about the same events as this end-of-day retrain',
      schedule: training.schedule,
      minNewEvents: training.minNewEvents,
      maxStalenessMinutes: training.maxStalenessMinutes,
      incrementalEpochs: training.incrementalEpochs,
      candidates: training.candidates,
      blend: training.blend,
      metric: training.metric,
      tolerance: training.tolerance,
      evalUsers: training.evalUsers,
      maxTrainMinutes: training.maxTrainMinutes,
      changedFromDefaults: Object.fromEntries(
        Object.entries(training).filter(
          ([k, v]) => k !== 'worker' && JSON.stringify(v) !== JSON.stringify(defaults[k as keyof typeof defaults]),
        ),
      ),
      maxTrainMinutesNote:
        'training.maxTrainMinutes capped (default 20) so the whole bench fits ~40 minutes on 2 shared cores; an epoch model stops after the epoch that passes it',
      historyLength: config.serving.historyLength,
    },
    streams,
    // The target is set on the drifting shop as it is; a shop launching items is another stream, so its lift is
    // reported (under streams) without a verdict.
    target: {
      stream: 'shop',
      minLift: TARGET_LIFT,
      ...(Number(args['shop-new-items']) > 0
        ? { 'hr@10': null, 'ndcg@10': null, met: null, note: 'not judged: the target is set on the drifting shop without new arrivals' }
        : {
            'hr@10': shopLift ? shopLift['hr@10'] >= TARGET_LIFT : null,
            'ndcg@10': shopLift ? shopLift['ndcg@10'] >= TARGET_LIFT : null,
            met: shopLift ? shopLift['hr@10'] >= TARGET_LIFT && shopLift['ndcg@10'] >= TARGET_LIFT : null,
          }),
    },
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      // The machine is shared: a load average above the core count makes every job slower (and time caps bite sooner).
      loadAverageBefore: loadBefore.map((x) => round(x, 2)),
      loadAverageAfter: loadavg().map((x) => round(x, 2)),
      threads: process.env.CURIO_THREADS ?? null,
      ...git,
    },
    seconds: round((performance.now() - started) / 1000, 1),
  };
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(doc, null, 2)}\n`);
  const target =
    doc.target.met === null ? '' : `; target (shop lift ≥ ${TARGET_LIFT * 100}% on HR@10 and NDCG@10) ${doc.target.met ? 'met' : 'missed'}`;
  console.log(`wrote ${args.out} in ${doc.seconds} s${target}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
