import { describe, expect, it } from 'vitest';
import { formatProblem } from './run-import.js';
import { craftFile, FIXTURES, importOnce, importTwice } from '../../../test/support/importer-helpers.js';

describe('taobao importer', () => {
  // awk -F, '{s[$2]=1; b[$4]++} END{print NR, length(s); for(k in b) print k,b[k]}' test/fixtures/taobao-userbehavior-sample/UserBehavior.csv
  //   → 1587 rows, 527 items; pv 1431, cart 72, fav 40, buy 44
  it('imports UserBehavior.csv with mapped behaviours and item categories; a second run adds nothing', async () => {
    const { store, first, second } = await importTwice({
      format: 'taobao',
      file: `${FIXTURES}/taobao-userbehavior-sample/UserBehavior.csv`,
    });
    expect(first).toMatchObject({ status: 'complete', rowsRead: 1587, eventsAccepted: 1587, rejectedRows: 0, itemsUpserted: 527 });
    expect(second).toMatchObject({ eventsAccepted: 0, duplicates: 1587, itemsUpserted: 0 });
    expect((await store.stats()).byType).toEqual({ view: 1431, cart: 72, favorite: 40, purchase: 44 });
    // Line 1: 1,429975,3858340,pv,1511510949
    const [e] = (await store.userEvents('1')).filter((x) => x.id === 'taobao:UserBehavior.csv:1');
    expect(e).toMatchObject({ userId: '1', itemId: '429975', type: 'view', timestamp: 1511510949000 });
    expect((await store.getItem('429975'))?.categoryPath).toEqual(['3858340']);
    await store.close();
  });

  it('rejects unknown behaviours and bad ids with file:line:reason', async () => {
    const file = craftFile('ub.csv', '1,10,5,pv,1511544070\n1,11,5,like,1511544071\n1,x,5,buy,1511544072\n1,12,5,buy\n');
    const { store, report } = await importOnce({ format: 'taobao', file });
    expect(report.errors.map(formatProblem)).toEqual([
      'ub.csv:2: behaviour "like" is not one of pv, fav, cart, buy',
      'ub.csv:3: item id "x" is not an integer',
      'ub.csv:4: expected 5 columns separated by ",", found 4',
    ]);
    expect(report).toMatchObject({ rowsRead: 4, eventsAccepted: 1, rejectedRows: 3 });
    await store.close();
  });
});
