import { describe, expect, it } from 'vitest';
import { formatProblem } from './run-import.js';
import { SEQUENCE_BASE_MS } from './sequences.js';
import { craftFile, FIXTURES, importOnce, importTwice } from '../../../test/support/importer-helpers.js';

const DAY_MS = 24 * 3600 * 1000;

describe('sequences importer', () => {
  // On test/fixtures/amazon-s3rec: awk '{n+=NF-1} END{print NR, n}' Beauty.txt → 378 2985;
  // items: the 211 keys of Beauty_item2attributes.json (python3 -c 'import json; print(len(json.load(open(...))))').
  it('imports Beauty.txt with its attributes, and a second run adds nothing', async () => {
    const { store, first, second } = await importTwice({ format: 'sequences', file: `${FIXTURES}/amazon-s3rec/Beauty.txt` });
    expect(first).toMatchObject({
      status: 'complete',
      rowsRead: 378,
      eventsAccepted: 2985,
      rejectedRows: 0,
      itemsUpserted: 211,
      duplicates: 0,
    });
    expect(second).toMatchObject({ status: 'complete', eventsAccepted: 0, duplicates: 2985, itemsUpserted: 0 });
    expect(await store.counts()).toMatchObject({ items: 211, events: 2985 });
    // Line 1 is "1 1 2 3 4 5 6 7": in order, one synthetic day apart; item 4 has attributes [4, 55, 63, 22, 31, 15].
    const events = await store.userEvents('1');
    expect(events.map((e) => e.itemId)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(events.map((e) => e.timestamp)).toEqual([0, 1, 2, 3, 4, 5, 6].map((k) => SEQUENCE_BASE_MS + k * DAY_MS));
    expect(events[0].id).toBe('sequences:Beauty.txt:1:1');
    expect((await store.getItem('4'))?.categoryPath).toEqual(['4', '55', '63', '22', '31', '15']);
    await store.close();
  });

  // awk '{n+=NF-1; for(i=2;i<=NF;i++) s[$i]=1} END{print NR, n, length(s)}' test/fixtures/amazon-s3rec/LastFM.txt → 67 1329 154
  it('imports LastFM.txt', async () => {
    const { store, report } = await importOnce({ format: 'sequences', file: `${FIXTURES}/amazon-s3rec/LastFM.txt` });
    expect(report).toMatchObject({ rowsRead: 67, eventsAccepted: 1329, itemsUpserted: 154 });
    await store.close();
  });

  it('reports a bad line with file:line:reason and skips it', async () => {
    const file = craftFile('Tiny.txt', '1 10 11 12\n2 10 x 13\n3 11 12\n4\n');
    const { store, report } = await importOnce({ format: 'sequences', file });
    expect(report.errors.map(formatProblem)).toEqual([
      'Tiny.txt:2: item id at position 2 "x" is not an integer',
      'Tiny.txt:4: user 4 has no items',
    ]);
    expect(report).toMatchObject({ rowsRead: 4, rejectedRows: 2, eventsAccepted: 5, itemsUpserted: 3 });
    await store.close();
  });
});
