// Crash safety: every event the server acknowledged with a 2xx survives `kill -9` and a restart.
// The spawn / ingest / kill helpers are shared with `npm run bench:crash` (test/support/crash-harness.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  alive,
  BATCH_EVENTS,
  checkBatches,
  eventBatch,
  ingestUntilKill,
  killStarted,
  postEvents,
  startServer,
  storedEventIds,
} from './support/crash-harness.js';

const WORKERS = 4;
/** Kill once this many batches were acknowledged (or after KILL_AFTER_MS), with requests still in flight. */
const KILL_AFTER_BATCHES = 40;
const KILL_AFTER_MS = 4000;

describe('crash safety', () => {
  const dir = mkdtempSync(join(tmpdir(), 'curio-crash-'));
  afterAll(async () => {
    await killStarted();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged event when the server is killed with SIGKILL mid-ingest', async () => {
    const file = join(dir, 'curio.db');
    const first = await startServer(file);
    const batch = (n: number) => eventBatch(n);

    // Sustained ingest from several connections; a batch is acknowledged only by a 2xx answer.
    const { acked, sent } = await ingestUntilKill(first, {
      workers: WORKERS,
      batch,
      killWhen: ({ acked: n, elapsedMs }) => n >= KILL_AFTER_BATCHES || elapsedMs >= KILL_AFTER_MS,
    });
    // The process killed is the one that held the database: it died of the signal and is gone.
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(alive(first.pid)).toBe(false);
    expect(acked.size).toBeGreaterThan(0);

    const second = await startServer(file);
    const stored = await storedEventIds(file);

    // A batch is one transaction: the ones in flight at the kill are either whole or absent.
    const { lostAcknowledged, inFlight, partial } = checkBatches(stored, { acked, sent }, batch);
    const summary = {
      acknowledged_events: acked.size * BATCH_EVENTS,
      stored_events: stored.size,
      in_flight_batches: inFlight.length,
      lost_acknowledged: lostAcknowledged,
    };
    console.log(`crash test: ${JSON.stringify(summary)}`);
    expect(lostAcknowledged).toBe(0);
    // Batches were in flight when it died, so "whole or absent" was put to the test.
    expect(inFlight.length).toBeGreaterThan(0);
    expect(partial).toEqual([]);
    expect(stored.size % BATCH_EVENTS).toBe(0);

    // Retrying everything after the restart is safe: what survived counts as duplicates, the rest is stored once.
    let duplicates = 0;
    for (const n of sent) duplicates += (await postEvents(second.url, batch(n))).duplicates;
    expect(duplicates).toBe(stored.size);

    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null }); // graceful shutdown
    expect(alive(second.pid)).toBe(false);
  });
});
