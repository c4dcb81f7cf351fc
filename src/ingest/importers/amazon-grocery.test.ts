import { describe, expect, it } from 'vitest';
import { formatProblem } from './run-import.js';
import { craftFile, FIXTURES, importOnce, importTwice } from '../../../test/support/importer-helpers.js';

describe('amazon-grocery importer', () => {
  // On test/fixtures/amazon-grocery-rechorus: awk -F'\t' 'NR>1{n++} END{print n}' train.csv → 2025;
  // awk 'NR>1' item_meta.csv | wc -l → 246 (7 of them not in train.csv, as in the real set).
  it('imports train.csv with item_meta.csv beside it; a second run adds nothing', async () => {
    const { store, first, second } = await importTwice({ format: 'amazon-grocery', file: `${FIXTURES}/amazon-grocery-rechorus/train.csv` });
    expect(first).toMatchObject({ status: 'complete', rowsRead: 2025, eventsAccepted: 2025, rejectedRows: 0, itemsUpserted: 246 });
    expect(second).toMatchObject({ eventsAccepted: 0, duplicates: 2025, itemsUpserted: 0 });
    // Line 2: 12	222	978912000; item_meta line 2: 1	0	[153, 179, ...]	[235, 227, 208, 150]; line 3: 2	47	...
    const [e] = (await store.userEvents('12')).filter((x) => x.id === 'amazon-grocery:train.csv:2');
    expect(e).toMatchObject({ itemId: '222', type: 'review', timestamp: 978912000000 });
    const item = await store.getItem('1');
    expect(item?.categoryPath).toEqual([]);
    expect((item?.attributes.complements as string[]).slice(0, 2)).toEqual(['153', '179']);
    expect((item?.attributes.substitutes as string[]).slice(0, 3)).toEqual(['235', '227', '208']);
    expect((await store.getItem('2'))?.categoryPath).toEqual(['47']);
    await store.close();
  });

  it('rejects a bad row, and a broken item_meta.csv fails the import with its line', async () => {
    const meta = 'item_id\ti_category\tr_complement\tr_substitute\n1\t4\t[2]\t[]\n2\t0\t[]\t[1]\n';
    const file = craftFile('train.csv', 'user_id\titem_id\ttime\n7\t1\t965779200\n7\t2\t9657x\n', { 'item_meta.csv': meta });
    const { store, report } = await importOnce({ format: 'amazon-grocery', file });
    expect(report.errors.map(formatProblem)).toEqual(['train.csv:3: timestamp "9657x" is not a number of seconds']);
    expect((await store.getItem('1'))?.categoryPath).toEqual(['4']);
    await store.close();
    const broken = craftFile('train.csv', 'user_id\titem_id\ttime\n', {
      'item_meta.csv': 'item_id\ti_category\tr_complement\tr_substitute\n1\tx\t[]\t[]\n',
    });
    const failed = await importOnce({ format: 'amazon-grocery', file: broken });
    expect(failed.report).toMatchObject({ status: 'failed', message: 'item_meta.csv:2: category id "x" is not an integer' });
    await failed.store.close();
  });
});
