import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { Event } from '../core/index.js';
import { createPolicy, type Policy } from '../explore/index.js';
import { FeedbackLoop } from '../recommend/feedback.js';
import { sampleEvent } from '../store/store.case.js';
import { dropPrefix, TEST_REDIS_URL, uniquePrefix } from '../../test/support/redis.js';
import { RedisPolicyLog, type LoggedUpdate } from './redis-policy-log.js';

interface Node {
  log: RedisPolicyLog;
  policy: Policy;
  loop: FeedbackLoop;
  applied: LoggedUpdate[];
}

const open: RedisPolicyLog[] = [];
const prefixes: string[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close()));
  await Promise.all(prefixes.splice(0).map((p) => dropPrefix(p)));
});

/** A cluster node's policy side: a Thompson policy, its feedback loop, and the shared log it applies. */
async function node(prefix: string, url = TEST_REDIS_URL): Promise<Node> {
  const log = new RedisPolicyLog({ url, prefix });
  open.push(log);
  const policy = createPolicy('thompson', { propensityDraws: 20 });
  const loop = new FeedbackLoop({ policy: () => policy, clusterOf: () => 'c', shared: log });
  const applied: LoggedUpdate[] = [];
  await log.connect();
  await log.start(null, (u) => {
    applied.push(u);
    loop.update(u.itemId, u.reward, u.position, u.impression);
  });
  return { log, policy, loop, applied };
}

function outcome(id: string, type: 'impression' | 'click', recommendationId: string, itemId: string): Event {
  return sampleEvent(id, { type, itemId, context: { recommendationId, position: 1 } });
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('RedisPolicyLog (real Redis)', () => {
  it('counts a slot once across nodes and hands every node the same updates in the same order', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const [a, b] = [await node(prefix), await node(prefix)];
    // Both nodes observe the same stored events (their own, and the other's through the bus).
    const events = [outcome('e1', 'impression', 'r1', 'x'), outcome('e2', 'impression', 'r1', 'y'), outcome('e3', 'click', 'r1', 'x')];
    a.loop.observe(events);
    b.loop.observe(events);
    await until(() => a.applied.length >= 3 && b.applied.length >= 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(a.applied).toEqual(b.applied);
    // x's impression and y's impression, then x's click turning its failure into a success.
    expect(a.applied.map((u) => [u.itemId, u.reward, u.impression])).toEqual([
      ['x', 0, true],
      ['y', 0, true],
      ['x', 1, false],
    ]);
    expect(a.log.counters.appended + b.log.counters.appended).toBe(3);
    expect(a.policy.save()).toEqual(b.policy.save());
  });

  it('a click counted on one node makes the impression on another count nothing more', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const [a, b] = [await node(prefix), await node(prefix)];
    a.loop.observe([outcome('c1', 'click', 'r2', 'x')]);
    await until(() => b.applied.length === 1);
    b.loop.observe([outcome('i1', 'impression', 'r2', 'x')]);
    a.loop.observe([outcome('c1b', 'click', 'r2', 'x')]);
    await new Promise((r) => setTimeout(r, 200));
    expect(b.applied).toEqual([{ itemId: 'x', reward: 1, impression: true, position: 1 }]);
    expect(a.applied).toEqual(b.applied);
  });

  it("forgets an erased user's slates: their slot flags are deleted, other slates' kept", async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const a = await node(prefix);
    a.loop.observe([outcome('f1', 'impression', 'gone-1', 'x'), outcome('f2', 'impression', 'kept-1', 'x')]);
    await until(() => a.applied.length === 2);
    const redis = new Redis(TEST_REDIS_URL);
    try {
      expect(await redis.exists(`${prefix}fb:gone-1`, `${prefix}fb:kept-1`)).toBe(2);
      expect(await a.log.forgetSlates(['gone-1', 'never-served'])).toBe(1);
      expect(await redis.exists(`${prefix}fb:gone-1`)).toBe(0);
      expect(await redis.exists(`${prefix}fb:kept-1`)).toBe(1);
    } finally {
      redis.disconnect();
    }
  });

  it('a starting node joins from the saved snapshot and its position, and only a later snapshot replaces it', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const a = await node(prefix);
    a.loop.observe([outcome('e1', 'impression', 'r3', 'x'), outcome('e2', 'click', 'r3', 'x')]);
    await until(() => a.applied.length === 2);
    expect(await a.log.saveSnapshot(a.policy.save())).toBe(true);
    const saved = await a.log.loadSnapshot();
    expect(saved?.logId).toBe(a.log.position);
    a.loop.observe([outcome('e3', 'impression', 'r4', 'y')]);
    await until(() => a.applied.length === 3);
    // A node that joins from the snapshot applies only what came after it.
    const c = new RedisPolicyLog({ url: TEST_REDIS_URL, prefix });
    open.push(c);
    await c.connect();
    const late: LoggedUpdate[] = [];
    await c.start(saved?.logId ?? null, (u) => late.push(u));
    await until(() => late.length === 1);
    expect(late[0].itemId).toBe('y');
    // A snapshot from an older position does not replace a newer one.
    const old = new RedisPolicyLog({ url: TEST_REDIS_URL, prefix });
    open.push(old);
    await old.connect();
    await old.start('0-1', () => undefined);
    await old.close();
    expect(await old.saveSnapshot(createPolicy('thompson', { propensityDraws: 20 }).save()).catch(() => false)).toBe(false);
    expect((await a.log.loadSnapshot())?.logId).toBe(saved?.logId);
  });

  it('when Redis is unreachable the feedback loop applies the outcomes itself', async () => {
    const prefix = uniquePrefix();
    const log = new RedisPolicyLog({ url: 'redis://127.0.0.1:1', prefix });
    open.push(log);
    const policy = createPolicy('thompson', { propensityDraws: 20 });
    const loop = new FeedbackLoop({ policy: () => policy, clusterOf: () => 'c', shared: log });
    const before = JSON.stringify(policy.save());
    loop.observe([outcome('e1', 'impression', 'r5', 'x'), outcome('e2', 'click', 'r5', 'x')]);
    await until(() => log.counters.failures === 2);
    await new Promise((r) => setTimeout(r, 20));
    expect(JSON.stringify(policy.save())).not.toBe(before);
    expect(loop.counts).toMatchObject({ impressions: 1, rewards: 1 });
  });
});
