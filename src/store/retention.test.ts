import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from './open.js';
import { RetentionPruner } from './retention.js';
import { sampleDecision, sampleEvent } from './store.case.js';
import type { Store } from './store.js';

const DAY = 86_400_000;
const NOW = 1_800_000_000_000;

describe('RetentionPruner', () => {
  let store: Store;
  afterEach(() => store.close());

  async function fill(): Promise<void> {
    store = await openStore('sqlite::memory:');
    const ages = [200, 120, 91, 89, 1];
    await store.appendDecisions(
      ages.map((a, k) => sampleDecision(`r${k}`, { timestamp: NOW - a * DAY, shown: [{ itemId: 'i1', propensity: 1 }] })),
    );
    await store.appendEvents([
      ...ages.map((a, k) => sampleEvent(`imp${k}`, { type: 'impression', timestamp: NOW - a * DAY })),
      sampleEvent('old-purchase', { type: 'purchase', timestamp: NOW - 400 * DAY }),
    ]);
  }

  it('deletes slates and impression events past their retention in chunks, and nothing else', async () => {
    await fill();
    const pruner = new RetentionPruner(
      store,
      { slatesDays: 90, impressionEventsDays: 100, pruneIntervalMinutes: 60 },
      { chunk: 2, clock: () => NOW },
    );
    expect(await pruner.runOnce()).toEqual({ slates: 3, impressionEvents: 2 });
    const kept: string[] = [];
    for await (const d of store.scanDecisions()) kept.push(d.recommendationId);
    expect(kept).toEqual(['r3', 'r4']);
    expect((await store.userEvents('u1')).map((e) => e.id)).toEqual(['old-purchase', 'imp2', 'imp3', 'imp4']);
    expect(await pruner.runOnce()).toEqual({ slates: 0, impressionEvents: 0 });
  });

  it('keeps everything with retention 0', async () => {
    await fill();
    const pruner = new RetentionPruner(store, { slatesDays: 0, impressionEventsDays: 0, pruneIntervalMinutes: 60 }, { clock: () => NOW });
    expect(await pruner.runOnce()).toEqual({ slates: 0, impressionEvents: 0 });
    expect((await store.counts()).events).toBe(6);
  });

  it('runs its first pass in the background after start, and stops', async () => {
    await fill();
    const pruner = new RetentionPruner(
      store,
      { slatesDays: 90, impressionEventsDays: 90, pruneIntervalMinutes: 60 },
      { clock: () => NOW, firstPassDelayMs: 1 },
    );
    pruner.start();
    await expect.poll(async () => (await store.counts()).events).toBe(3);
    await pruner.stop();
  });
});
