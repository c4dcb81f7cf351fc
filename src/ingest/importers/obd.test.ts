import { describe, expect, it } from 'vitest';
import { formatProblem } from './run-import.js';
import { craftFile, FIXTURES, importOnce, importTwice } from '../../../test/support/importer-helpers.js';

describe('obd importer', () => {
  // In test/fixtures/open-bandit-small: awk -F, 'NR>1{n++; c+=$5; s[$3]=1} END{print n, c, length(s)}' {random,bts}/men/men.csv
  //   → 540 50 34 / 540 84 31; item_context.csv names all 34 items.
  it.each([
    ['random', 50],
    ['bts', 84],
  ])('imports %s/men/men.csv as impressions plus %i clicks; a second run adds nothing', async (policy, clicks) => {
    const { store, first, second } = await importTwice({ format: 'obd', file: `${FIXTURES}/open-bandit-small/${policy}/men/men.csv` });
    expect(first).toMatchObject({ status: 'complete', rowsRead: 540, eventsAccepted: 540 + clicks, rejectedRows: 0, itemsUpserted: 34 });
    expect(second).toMatchObject({ eventsAccepted: 0, duplicates: 540 + clicks });
    expect((await store.stats()).byType).toEqual({ impression: 540, click: clicks });
    const item = await store.getItem('0');
    expect(Object.keys(item?.attributes ?? {})).toEqual(['item_feature_0', 'item_feature_1', 'item_feature_2', 'item_feature_3']);
    await store.close();
  });

  it('keeps position (0-based), propensity, policy and recommendation id in the context', async () => {
    // random/men/men.csv line 2: 0,2019-11-24 00:04:30.926649+00:00,1,1,0,0.029411764705882353,...
    const { store } = await importOnce({ format: 'obd', file: `${FIXTURES}/open-bandit-small/random/men/men.csv`, limitRows: 1 });
    const all = [];
    for await (const x of store.scanEvents()) all.push(x);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      id: 'obd:random:men.csv:2:impression',
      itemId: '1',
      type: 'impression',
      timestamp: Date.parse('2019-11-24T00:04:30.926Z'),
      context: { position: 0, propensity: 1 / 34, policy: 'random', recommendationId: 'obd:random:men:0' },
    });
    await store.close();
  });

  it('rejects a bad propensity with file:line:reason', async () => {
    const head = ',timestamp,item_id,position,click,propensity_score,user_feature_0\n';
    const file = craftFile(
      'men.csv',
      `${head}0,2019-11-24 00:01:03+00:00,2,2,1,0.5,a\n1,2019-11-24 00:01:04+00:00,3,1,0,0,a\n2,2019-11-24 00:01:05+00:00,3,1,yes,0.2,a\n`,
    );
    const { store, report } = await importOnce({ format: 'obd', file, importer: { policy: 'bts' } });
    expect(report.errors.map(formatProblem)).toEqual([
      'men.csv:3: propensity_score "0" is not in (0, 1]',
      'men.csv:4: click "yes" is not 0 or 1',
    ]);
    expect(report.eventsAccepted).toBe(2);
    await store.close();
  });
});
