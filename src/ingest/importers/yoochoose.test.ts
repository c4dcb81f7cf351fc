import { describe, expect, it } from 'vitest';
import { formatProblem } from './run-import.js';
import { craftFile, FIXTURES, importOnce, importTwice } from '../../../test/support/importer-helpers.js';

describe('yoochoose importer', () => {
  // awk -F'\t' 'NR>1{s[$2]=1;n++} END{print n, length(s)}' test/fixtures/yoochoose-100k/yoochoose-clicks-100k_test.txt → 1898 443
  it('imports the test clicks with sessions as users; a second run adds nothing', async () => {
    const { store, first, second } = await importTwice({
      format: 'yoochoose',
      file: `${FIXTURES}/yoochoose-100k/yoochoose-clicks-100k_test.txt`,
    });
    expect(first).toMatchObject({ status: 'complete', rowsRead: 1898, eventsAccepted: 1898, rejectedRows: 0, itemsUpserted: 443 });
    expect(second).toMatchObject({ eventsAccepted: 0, duplicates: 1898 });
    // Line 2: 26	214580312	1396881251.975
    const [e] = await store.userEvents('session:26');
    expect(e).toMatchObject({ itemId: '214580312', type: 'click', sessionId: '26', timestamp: 1396881251975 });
    await store.close();
  });

  it('rejects a bad time with file:line:reason', async () => {
    const file = craftFile('clicks.txt', 'SessionId\tItemId\tTime\n1\t5\t1396860669.2\n1\t6\tnoon\n1\t7\t99999999999\n');
    const { store, report } = await importOnce({ format: 'yoochoose', file });
    expect(report.errors.map(formatProblem)).toEqual([
      'clicks.txt:3: timestamp "noon" is not a number of seconds',
      'clicks.txt:4: timestamp "99999999999" is more than a day in the future',
    ]);
    expect(report.eventsAccepted).toBe(1);
    await store.close();
  });
});
