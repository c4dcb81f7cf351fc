import { describe, expect, it } from 'vitest';
import { datasetFromStore } from '../data/index.js';
import type { Event } from '../core/index.js';
import { openStore } from '../store/index.js';
import { similarLists } from './serving-lists.js';

/** Users who each viewed a then b; `pairs` of them, plus one user who viewed a then c, twice over. */
async function shop(pairs: number) {
  const store = await openStore('sqlite::memory:');
  const t = Date.UTC(2026, 0, 1);
  const view = (id: string, userId: string, itemId: string, timestamp: number): Event => ({
    id,
    userId,
    itemId,
    type: 'view',
    timestamp,
    value: null,
    sessionId: null,
    context: {},
  });
  const events: Event[] = [];
  for (let u = 0; u < pairs; u++) events.push(view(`${u}-a`, `u${u}`, 'a', t + u * 1000), view(`${u}-b`, `u${u}`, 'b', t + u * 1000 + 1));
  // One shopper makes the pair (a, c) many times: still one shopper.
  for (let k = 0; k < 6; k++)
    events.push(view(`lone-a${k}`, 'lone', 'a', t + 100_000 + 2 * k), view(`lone-c${k}`, 'lone', 'c', t + 100_000 + 2 * k + 1));
  await store.appendEvents(events);
  const ds = await datasetFromStore(store);
  await store.close();
  const neighbours = (minUsers: number) => {
    const lists = similarLists(ds, minUsers);
    const i = ds.items.indexOf('a');
    return Array.from(lists.indices.subarray(lists.indptr[i], lists.indptr[i + 1]), (j) => ds.items[j]).sort();
  };
  return neighbours;
}

describe('co-visitation with privacy.minGroupSize', () => {
  it('keeps a pair only when enough distinct shoppers made it, however often one shopper repeats it', async () => {
    const neighbours = await shop(3);
    expect(neighbours(1)).toEqual(['b', 'c']);
    expect(neighbours(3)).toEqual(['b']);
    expect(neighbours(4)).toEqual([]);
  });
});
