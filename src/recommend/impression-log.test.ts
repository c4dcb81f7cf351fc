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
  const decisions = { add: () => {}, flush: async () => {}, forget: () => {} } as unknown as DecisionLog;
  const log = new ImpressionLog({
    onStored: () => {},
    decisions,
    writeSlates: () => new Promise<void>((resolve) => waiting.push(resolve)),
    flushMs: 10_000,
    warn: () => {},
  });
  return { log, land: () => waiting.splice(0).forEach((resolve) => resolve()) };
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
