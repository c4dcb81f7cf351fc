import { describe, expect, it } from 'vitest';
import { formatProblem } from './run-import.js';
import { craftFile, FIXTURES, importOnce, importTwice } from '../../../test/support/importer-helpers.js';

describe('csv importer', () => {
  // The DIGINETICA-format fixture read as generic CSV, mapped by columns: 1587 data rows (see diginetica.test.ts).
  it('imports a dataset file through a column map; a second run adds nothing', async () => {
    const { store, first, second } = await importTwice({
      format: 'csv',
      file: `${FIXTURES}/diginetica-sample/sample_train-item-views.csv`,
      importer: {
        delimiter: ';',
        map: { userId: 'session_id', itemId: 'item_id', sessionId: 'session_id', timestamp: 'eventdate' },
        timestampUnit: 'iso',
        eventType: 'view',
      },
    });
    expect(first).toMatchObject({ status: 'complete', rowsRead: 1587, eventsAccepted: 1587, rejectedRows: 0 });
    expect(second).toMatchObject({ eventsAccepted: 0, duplicates: 1587 });
    const [e] = await store.userEvents('1');
    expect(e).toMatchObject({ id: 'csv:sample_train-item-views.csv:2', itemId: '142405', type: 'view', timestamp: Date.UTC(2016, 2, 23) });
    await store.close();
  });

  it('converts units and context columns, handles quotes, and rejects bad rows through the API schema', async () => {
    const csv = [
      'u,item,ev,ts,pos,note',
      'a,1,click,1700000000,0,"x, with comma"',
      'b,2,click,1700000001.5,1,"a ""quoted""',
      'multi-line note"',
      'c,3,teleport,1700000002,0,',
      'd,,view,1700000003,0,',
      'e,4,view,soon,0,',
      'f,5,view,1700000004,0',
    ].join('\n');
    const file = craftFile('events.csv', csv);
    const map = { userId: 'u', itemId: 'item', type: 'ev', timestamp: 'ts', 'context.position': 'pos' };
    const { store, report } = await importOnce({ format: 'csv', file, importer: { map, timestampUnit: 's' } });
    expect(report.errors.map(formatProblem)).toEqual([
      expect.stringMatching(/^events\.csv:5: type: /),
      'events.csv:6: itemId: a view event needs an itemId',
      expect.stringMatching(/^events\.csv:7: timestamp: /),
      'events.csv:8: expected 6 columns, found 5',
    ]);
    expect(report).toMatchObject({ rowsRead: 6, eventsAccepted: 2, rejectedRows: 4 });
    const [b] = await store.userEvents('b');
    expect(b).toMatchObject({ id: 'csv:events.csv:3', timestamp: 1700000001500, context: { position: 1 } });
    await store.close();
  });

  it('fails at open when --map names a column the header lacks', async () => {
    const { store, report } = await importOnce({
      format: 'csv',
      file: craftFile('e.csv', 'a,b\n1,2\n'),
      importer: { map: { userId: 'user' }, eventType: 'view' },
    });
    expect(report).toMatchObject({ status: 'failed', message: '--map names column(s) not in the header: "user"' });
    await store.close();
  });
});
