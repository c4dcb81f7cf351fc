import { describe, expect, it } from 'vitest';
import { formatProblem } from './run-import.js';
import { craftFile, FIXTURES, importOnce, importTwice } from '../../../test/support/importer-helpers.js';

const HEADER = 'session_id;user_id;item_id;timeframe;eventdate\n';

describe('diginetica importer', () => {
  // awk -F';' 'NR>1{s[$3]=1;n++} END{print n, length(s)}' test/fixtures/diginetica-sample/sample_train-item-views.csv → 1587 486
  it('imports the sample with sessions and day + timeframe times; a second run adds nothing', async () => {
    const { store, first, second } = await importTwice({
      format: 'diginetica',
      file: `${FIXTURES}/diginetica-sample/sample_train-item-views.csv`,
    });
    expect(first).toMatchObject({ status: 'complete', rowsRead: 1587, eventsAccepted: 1587, rejectedRows: 0, itemsUpserted: 486 });
    expect(second).toMatchObject({ eventsAccepted: 0, duplicates: 1587 });
    // Line 2: 1;NA;142405;1746958;2016-03-23 — anonymous, so the session is the user.
    const [e] = (await store.userEvents('session:1')).filter((x) => x.itemId === '142405');
    expect(e).toMatchObject({ type: 'view', sessionId: '1', timestamp: Date.UTC(2016, 2, 23) + 1746958 });
    // Line 3: 2;91965;57915;1064649;2016-03-02 — a known user keeps its id.
    const [known] = (await store.userEvents('91965')).filter((x) => x.itemId === '57915');
    expect(known).toMatchObject({ sessionId: '2', timestamp: Date.UTC(2016, 2, 2) + 1064649 });
    await store.close();
  });

  it('rejects bad rows and a wrong header', async () => {
    const file = craftFile('views.csv', `${HEADER}1;NA;5;0;2016-05-09\n2;7;6;10;May 9\n3;NA;7;-1;2016-05-09\n`);
    const { store, report } = await importOnce({ format: 'diginetica', file });
    expect(report.errors.map(formatProblem)).toEqual([
      'views.csv:3: eventdate "May 9" is not YYYY-MM-DD',
      'views.csv:4: timeframe "-1" is not an integer',
    ]);
    await store.close();
    const wrong = await importOnce({ format: 'diginetica', file: craftFile('x.csv', 'a;b\n1;2\n') });
    expect(wrong.report).toMatchObject({ status: 'failed', eventsAccepted: 0 });
    expect(wrong.report.message).toMatch(/not a diginetica file/);
    await wrong.store.close();
  });
});
