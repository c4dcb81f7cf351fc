import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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
    expect(await pruner.runOnce()).toMatchObject({ slates: 3, impressionEvents: 2, events: {} });
    const kept: string[] = [];
    for await (const d of store.scanDecisions()) kept.push(d.recommendationId);
    expect(kept).toEqual(['r3', 'r4']);
    expect((await store.userEvents('u1')).map((e) => e.id)).toEqual(['old-purchase', 'imp2', 'imp3', 'imp4']);
    expect(await pruner.runOnce()).toMatchObject({ slates: 0, impressionEvents: 0, space: null });
  });

  it('keeps everything with retention 0', async () => {
    await fill();
    const pruner = new RetentionPruner(store, { slatesDays: 0, impressionEventsDays: 0, pruneIntervalMinutes: 60 }, { clock: () => NOW });
    expect(await pruner.runOnce()).toMatchObject({ slates: 0, impressionEvents: 0, events: {} });
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

  it('gives freed pages back to the file system when the SQLite file was made with auto_vacuum=INCREMENTAL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'curio-retention-'));
    try {
      const path = join(dir, 'incremental.db');
      const made = new Database(path);
      made.pragma('auto_vacuum = INCREMENTAL');
      made.exec('VACUUM');
      made.close();
      store = await openStore(`sqlite:${path}`);
      const note = 'x'.repeat(2000);
      await store.appendEvents(
        Array.from({ length: 400 }, (_, k) => sampleEvent(`v${k}`, { timestamp: NOW - 200 * DAY, sessionId: note })),
      );
      const pass = await new RetentionPruner(
        store,
        { slatesDays: 0, impressionEventsDays: 0, pruneIntervalMinutes: 60, eventDays: { default: 0, view: 30 } },
        { clock: () => NOW, chunk: 100 },
      ).runOnce();
      expect(pass.events).toEqual({ view: 400 });
      expect(pass.space).toMatchObject({ method: 'incremental-vacuum', freePages: 0 });
      expect(pass.space!.freedPages).toBeGreaterThan(100);
    } finally {
      await store.close();
      store = await openStore('sqlite::memory:'); // afterEach closes it
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps freed pages on the free list of a SQLite file made without auto_vacuum, and says so', async () => {
    await fill();
    const pass = await new RetentionPruner(
      store,
      { slatesDays: 0, impressionEventsDays: 0, pruneIntervalMinutes: 60, eventDays: 300 },
      { clock: () => NOW },
    ).runOnce();
    expect(pass.events).toEqual({ purchase: 1 });
    expect(pass.space).toMatchObject({ method: 'free-list', freedPages: 0 });
  });
});
