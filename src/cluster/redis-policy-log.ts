import { Redis } from 'ioredis';
import type { PolicySnapshot } from '../explore/index.js';
import type { SlotOutcome } from '../recommend/feedback.js';
import type { SharedPolicyState } from '../recommend/serving-policy.js';

/** What the shared log hands every node, in the same order on every node: one policy update. */
export interface LoggedUpdate {
  itemId: string;
  reward: 0 | 1;
  /** false: a reward for an impression already counted (the policy turns that failure into the reward). */
  impression: boolean;
  position?: number;
}

export interface RedisPolicyLogOptions {
  /** `redis://host:port/db`. */
  url: string;
  /** Key prefix, so several shops (or test runs) share one Redis. Default `curio:`. */
  prefix?: string;
  /** How long a slot's flags are kept for de-duplication: a click later than this counts as a new impression's reward. */
  slotTtlSeconds?: number;
  /** Entries the update stream keeps (approximately); a node offline for longer resumes from its store state. */
  maxLogEntries?: number;
  warn?: (message: string, error: unknown) => void;
}

export interface PolicyLogCounters {
  /** Outcomes sent to Redis. */
  submitted: number;
  /** Updates appended by this node's submissions (the rest were already counted by some node). */
  appended: number;
  /** Updates read from the log and applied. */
  applied: number;
  /** Submissions that failed (Redis unreachable); the caller applied them locally instead. */
  failures: number;
}

/**
 * Counts a slot outcome once across every node, and appends the resulting policy update to a stream
 * every node reads. Atomic in Redis: two nodes that see the same click (a retry sent to each, or the bus
 * delivering one node's event to the other) cannot both count it, and an impression counted on one node
 * turns into the reward a click on another node brings. Bit 1 of a slot's flags: its impression reached the
 * policy; bit 2: its reward did (the same rules as the single-process FeedbackLoop).
 */
const OBSERVE = `
local n = 0
for k = 4, #ARGV, 4 do
  local key = ARGV[3] .. ARGV[k]
  local item = ARGV[k + 1]
  local f = tonumber(redis.call('HGET', key, item) or '0')
  local reward, impression, emit = 0, 1, false
  if ARGV[k + 2] == 'i' then
    if f % 2 == 0 then f = f + 1; emit = true end
  elseif f < 2 then
    if f % 2 == 1 then impression = 0 end
    f, reward, emit = 3, 1, true
  end
  if emit then
    redis.call('HSET', key, item, f)
    redis.call('EXPIRE', key, ARGV[1])
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'i', item, 'r', reward, 'm', impression, 'p', ARGV[k + 3])
    n = n + 1
  end
end
return n`;

/** Keys per DEL when an erased user's slates are forgotten. */
const FORGET_CHUNK = 500;

/** Replaces the saved snapshot only with one taken at a later log position (ids compare as ms then sequence). */
const SAVE_SNAPSHOT = `
local old = redis.call('GET', KEYS[1])
if old then
  local oldId = cjson.decode(old).logId
  local oms, oseq = string.match(oldId, '(%d+)-(%d+)')
  local nms, nseq = string.match(ARGV[2], '(%d+)-(%d+)')
  if tonumber(nms) < tonumber(oms) or (tonumber(nms) == tonumber(oms) and tonumber(nseq) <= tonumber(oseq)) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1`;

/** A policy snapshot and the log position it includes every update up to. */
export interface SharedSnapshot {
  logId: string;
  snapshot: PolicySnapshot;
}

/**
 * The explore/exploit policy's shared state in Redis (issue 18): every node submits the slot outcomes it
 * observes, Redis counts each once and appends the update to one stream, and every node applies the
 * stream in order to its in-memory policy, so the policy is the same whichever node served the slate
 * (up to the milliseconds the stream takes). Choosing a slate never waits for Redis. A snapshot with
 * its stream position lets a starting node join the others' state exactly.
 */
export class RedisPolicyLog implements SharedPolicyState {
  readonly counters: PolicyLogCounters = { submitted: 0, appended: 0, applied: 0, failures: 0 };
  private readonly commands: Redis;
  private readonly reader: Redis;
  private readonly prefix: string;
  private readonly streamKey: string;
  private readonly snapshotKey: string;
  private lastId = '0-0';
  private tailing: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: RedisPolicyLogOptions) {
    this.prefix = options.prefix ?? 'curio:';
    this.streamKey = `${this.prefix}policy:updates`;
    this.snapshotKey = `${this.prefix}policy:snapshot`;
    // Submissions fail fast while Redis is away (the caller applies them locally); the reader retries forever.
    const common = { lazyConnect: true, retryStrategy: (times: number) => Math.min(times * 100, 2000) };
    this.commands = new Redis(options.url, { ...common, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.reader = new Redis(options.url, { ...common, maxRetriesPerRequest: null });
    for (const client of [this.commands, this.reader]) client.on('error', () => undefined);
  }

  /** Connects both clients; throws when Redis cannot be reached at start. */
  async connect(): Promise<void> {
    await Promise.all([this.commands.connect(), this.reader.connect()]);
  }

  /** The saved snapshot, or null when none is saved (or it cannot be read). */
  async loadSnapshot(): Promise<SharedSnapshot | null> {
    const raw = await this.commands.get(this.snapshotKey);
    return raw === null ? null : (JSON.parse(raw) as SharedSnapshot);
  }

  /** Saves `snapshot` as of the last applied update, unless a later one is saved already. */
  async saveSnapshot(snapshot: PolicySnapshot): Promise<boolean> {
    const value: SharedSnapshot = { logId: this.lastId, snapshot };
    return (await this.commands.eval(SAVE_SNAPSHOT, 1, this.snapshotKey, JSON.stringify(value), this.lastId)) === 1;
  }

  /**
   * Starts applying the log from just after `fromId` (a snapshot's position), or from its current end when
   * null. `apply` runs for every update in log order, this node's own included.
   */
  async start(fromId: string | null, apply: (update: LoggedUpdate) => void): Promise<void> {
    if (fromId === null) {
      try {
        const newest = (await this.commands.xrevrange(this.streamKey, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
        this.lastId = newest.length > 0 ? newest[0][0] : '0-0';
      } catch (error) {
        // Redis is away: stream ids are times, so "from now" needs no round trip.
        this.options.warn?.('the shared policy log is unreachable; joining it from now', error);
        this.lastId = `${Date.now()}-0`;
      }
    } else {
      this.lastId = fromId;
    }
    this.tailing = this.tail(apply);
  }

  /** Submits outcomes; false when Redis could not take them (the caller then applies them itself). */
  async submit(outcomes: readonly SlotOutcome[]): Promise<boolean> {
    if (outcomes.length === 0) return true;
    const args: string[] = [
      String(this.options.slotTtlSeconds ?? 3600),
      String(this.options.maxLogEntries ?? 1_000_000),
      `${this.prefix}fb:`,
    ];
    for (const o of outcomes)
      args.push(o.recommendationId, o.itemId, o.kind === 'impression' ? 'i' : 'r', o.position === undefined ? '' : String(o.position));
    this.counters.submitted += outcomes.length;
    try {
      this.counters.appended += Number(await this.commands.eval(OBSERVE, 1, this.streamKey, ...args));
      return true;
    } catch (error) {
      this.counters.failures += outcomes.length;
      this.options.warn?.('the shared policy log is unreachable; applying feedback locally', error);
      return false;
    }
  }

  /**
   * Deletes the slot flags of these slates (an erased user's): keyed by the slate's random id, they name no
   * user, but they are what Redis keeps per slate until they expire (`slotTtlSeconds`). The update stream
   * and the snapshot hold item counts only. Resolves to the keys deleted.
   */
  async forgetSlates(recommendationIds: readonly string[]): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < recommendationIds.length; i += FORGET_CHUNK) {
      const keys = recommendationIds.slice(i, i + FORGET_CHUNK).map((id) => `${this.prefix}fb:${id}`);
      deleted += await this.commands.del(...keys);
    }
    return deleted;
  }

  /** The position of the last update applied. */
  get position(): string {
    return this.lastId;
  }

  async close(): Promise<void> {
    this.stopped = true;
    // The blocked XREAD returns within its block time; disconnecting ends it at once.
    this.reader.disconnect();
    await this.tailing?.catch(() => undefined);
    await this.commands.quit().catch(() => this.commands.disconnect());
  }

  private async tail(apply: (update: LoggedUpdate) => void): Promise<void> {
    while (!this.stopped) {
      let batch: Array<[string, Array<[string, string[]]>]> | null;
      try {
        batch = (await this.reader.xread('COUNT', 1000, 'BLOCK', 1000, 'STREAMS', this.streamKey, this.lastId)) as typeof batch;
      } catch (error) {
        if (this.stopped) return;
        this.options.warn?.('reading the shared policy log failed; retrying', error);
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      for (const [id, fields] of batch?.[0]?.[1] ?? []) {
        this.lastId = id;
        const update = parseUpdate(fields);
        if (!update) continue;
        try {
          apply(update);
          this.counters.applied++;
        } catch (error) {
          this.options.warn?.('applying a shared policy update failed', error);
        }
      }
    }
  }
}

/** A stream entry's flat field list (`i`, `r`, `m`, `p`) as an update; null when malformed. */
function parseUpdate(fields: string[]): LoggedUpdate | null {
  const get = (name: string): string | undefined => {
    for (let k = 0; k + 1 < fields.length; k += 2) if (fields[k] === name) return fields[k + 1];
    return undefined;
  };
  const itemId = get('i');
  if (itemId === undefined) return null;
  const position = get('p');
  return {
    itemId,
    reward: get('r') === '1' ? 1 : 0,
    impression: get('m') !== '0',
    ...(position ? { position: Number(position) } : {}),
  };
}
