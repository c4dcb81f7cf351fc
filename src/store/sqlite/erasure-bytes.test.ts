import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanForBytes } from '../../../test/support/byte-scan.js';
import { openStore } from '../open.js';
import { sampleDecision, sampleEvent } from '../store.case.js';
import type { Store } from '../store.js';

const dir = mkdtempSync(join(tmpdir(), 'curio-erasure-bytes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ERASED = 'zq-erased-shopper-7f3a9c';
const KEPT = 'kept-shopper-01';

/** A user's record, consent changes, events, decisions and served slates, mixed with another user's. */
async function fill(store: Store): Promise<void> {
  for (const id of [ERASED, KEPT]) {
    await store.upsertUser({ id, attributes: { tier: 'gold' } });
    await store.upsertUser({ id, consent: { personalization: true } });
  }
  for (let b = 0; b < 5; b++) {
    await store.appendEvents(
      Array.from({ length: 200 }, (_, i) =>
        sampleEvent(`e${b}-${i}`, { userId: i % 2 ? ERASED : KEPT, itemId: `i${i % 17}`, timestamp: 1_700_000_000_000 + b * 1000 + i }),
      ),
    );
    await store.appendDecisions(
      Array.from({ length: 20 }, (_, i) =>
        sampleDecision(`r${b}-${i}`, {
          userId: i % 2 ? ERASED : KEPT,
          timestamp: 1_700_000_000_000 + b * 1000 + i,
          shown: [{ itemId: 'i1', propensity: 1 }],
        }),
      ),
    );
  }
}

describe('sqlite erasure', () => {
  it.each([
    ['on the store connection', {}],
    ['with the writer and checkpointer threads of a server', { backgroundWrites: true, backgroundCheckpoints: true }],
  ])('leaves no byte of the erased id in the database, its WAL or shared memory, %s', async (_name, options) => {
    const sub = mkdtempSync(join(dir, 'db-'));
    const store = await openStore(`sqlite:${join(sub, 'curio.db')}`, options);
    try {
      await fill(store);
      expect(scanForBytes(sub, [ERASED]).length).toBeGreaterThan(0);
      expect((await store.eraseUser(ERASED)).events).toBe(500);
      // While the store is open (a running server): the freed cells are zeroed and the WAL was checkpointed.
      expect(scanForBytes(sub, [ERASED])).toEqual([]);
      expect((await store.userEvents(KEPT)).length).toBe(500);
    } finally {
      await store.close();
    }
    expect(scanForBytes(sub, [ERASED])).toEqual([]);
  });
});
