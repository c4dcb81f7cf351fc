import { describe, expect, it } from 'vitest';
import type { Decision } from '../store/index.js';
import type { DecisionLog } from './decision-log.js';
import { ImpressionLog } from './impression-log.js';

const slate = (n: number, userId: string): Decision => ({
  recommendationId: `r${n}`,
  userId,
  timestamp: n,
  policy: 'greedy',
  exploreWeight: 0,
  candidates: [],
  shown: [{ itemId: `i${n}`, propensity: 1 }],
});

/** An ImpressionLog whose slate writes wait until `land()` is called. */
function held() {
  const waiting: Array<() => void> = [];
  const writes: Decision[][] = [];
  const decisions = { add: () => {}, flush: async () => {}, forget: () => {} } as unknown as DecisionLog;
  const log = new ImpressionLog({
    onStored: () => {},
    decisions,
    writeSlates: (chunk) => {
      writes.push([...chunk]);
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    flushMs: 10_000,
    warn: () => {},
  });
  return { log, writes, land: () => waiting.splice(0).forEach((resolve) => resolve()) };
}

describe('ImpressionLog.unwritten', () => {
  it("answers a user's buffered and in-flight slates until their write lands, and nothing for other users", async () => {
    const { log, land } = held();
    await log.recordSlate(slate(1, 'a'));
    await log.recordSlate(slate(2, 'b'));
    await log.recordSlate(slate(3, 'a'));
    expect(log.unwritten('a').map((e) => e.itemId)).toEqual(['i1', 'i3']);
    expect(log.unwritten('nobody')).toEqual([]);
    const flushed = log.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(log.unwritten('a').map((e) => e.itemId)).toEqual(['i1', 'i3']);
    land();
    await flushed;
    expect(log.unwritten('a')).toEqual([]);
    expect(log.unwritten('b')).toEqual([]);
  });

  it('forgets an erased user at once', async () => {
    const { log } = held();
    await log.recordSlate(slate(1, 'a'));
    log.forget('a');
    expect(log.unwritten('a')).toEqual([]);
  });
});

describe('ImpressionLog.flush', () => {
  it('writes what was buffered when it began; slates served during the write wait for the next flush, in one write', async () => {
    const { log, land, writes } = held();
    await log.recordSlate(slate(1, 'a'));
    const first = log.flush();
    await log.recordSlate(slate(2, 'b'));
    await log.recordSlate(slate(3, 'c'));
    land();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    // A drain that chased new arrivals would already be writing r2 and r3 here: one write per store round trip.
    expect(writes.map((w) => w.map((d) => d.recommendationId))).toEqual([['r1']]);
    const second = log.flush();
    await new Promise((resolve) => setImmediate(resolve));
    land();
    await second;
    expect(writes.map((w) => w.map((d) => d.recommendationId))).toEqual([['r1'], ['r2', 'r3']]);
  });

  it('a flush asked for during a write resolves only once what it found buffered is written', async () => {
    const { log, land, writes } = held();
    await log.recordSlate(slate(1, 'a'));
    const first = log.flush();
    await log.recordSlate(slate(2, 'b'));
    let secondDone = false;
    const second = log.flush().then(() => (secondDone = true));
    land();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(secondDone).toBe(false);
    land();
    await second;
    expect(writes.map((w) => w.map((d) => d.recommendationId))).toEqual([['r1'], ['r2']]);
    expect(log.unwritten('b')).toEqual([]);
  });
});
