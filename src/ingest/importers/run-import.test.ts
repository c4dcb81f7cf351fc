import { describe, expect, it } from 'vitest';
import { openStore } from '../../store/index.js';
import { Ingestor } from '../ingestor.js';
import { formatProblem, runImport } from './run-import.js';
import { craftFile, FIXTURES } from '../../../test/support/importer-helpers.js';

const TAOBAO = `${FIXTURES}/taobao-userbehavior-sample/UserBehavior.csv`;

async function fresh() {
  const store = await openStore('sqlite::memory:');
  return { store, ingestor: new Ingestor({ store, idSecret: null }) };
}

describe('runImport', () => {
  it('with --on-error fail, commits the rows before the bad one and says where it stopped', async () => {
    const { store, ingestor } = await fresh();
    const rows = Array.from({ length: 30 }, (_, i) => `1,${100 + i},5,pv,${1511544070 + i}`);
    rows[24] = '1,oops,5,pv,1511544094';
    const file = craftFile('ub.csv', rows.join('\n'));
    const report = await runImport({ format: 'taobao', file, ingestor, onError: 'fail', batchEvents: 10 });
    expect(report).toMatchObject({
      status: 'failed',
      message: 'ub.csv:25: item id "oops" is not an integer',
      eventsAccepted: 24,
      committedThroughLine: 24,
    });
    expect((await store.counts()).events).toBe(24);
    // After fixing the line, a re-run stores only what is missing.
    rows[24] = '1,124,5,pv,1511544094';
    const again = await runImport({ format: 'taobao', file: craftFile('ub.csv', rows.join('\n')), ingestor, batchEvents: 10 });
    expect(again).toMatchObject({ status: 'complete', eventsAccepted: 6, duplicates: 24 });
    await store.close();
  });

  it('writes two batches at once; a failed one stops the import at the line every earlier batch committed through', async () => {
    const { store, ingestor } = await fresh();
    // The third write fails (a full disk, a lost connection) only after the fourth has committed: the report
    // must not claim line 40, since lines 21-30 are not stored, and a re-run must fill the gap without doubles.
    let writes = 0;
    let inFlight = 0;
    let mostInFlight = 0;
    let fourthCommitted!: () => void;
    const fourth = new Promise<void>((resolve) => (fourthCommitted = resolve));
    const append = store.appendEvents.bind(store);
    store.appendEvents = async (events) => {
      const n = ++writes;
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      try {
        if (n === 3) {
          await fourth;
          throw new Error('disk full');
        }
        const result = await append(events);
        if (n === 4) fourthCommitted();
        return result;
      } finally {
        inFlight--;
      }
    };
    const rows = Array.from({ length: 45 }, (_, i) => `1,${100 + i},5,pv,${1511544070 + i}`);
    const file = craftFile('ub.csv', rows.join('\n'));
    const report = await runImport({ format: 'taobao', file, ingestor, batchEvents: 10 });
    expect(report).toMatchObject({ status: 'failed', eventsAccepted: 35, committedThroughLine: 20 });
    expect(report.message).toContain('disk full');
    expect(mostInFlight).toBe(2);
    const itemsOf = async () => (await store.userEvents('1')).map((e) => Number(e.itemId)).sort((a, b) => a - b);
    expect(await itemsOf()).toEqual([...Array.from({ length: 20 }, (_, i) => 100 + i), ...Array.from({ length: 15 }, (_, i) => 130 + i)]);
    store.appendEvents = append;
    const again = await runImport({ format: 'taobao', file, ingestor, batchEvents: 10 });
    expect(again).toMatchObject({ status: 'complete', eventsAccepted: 10, duplicates: 35, committedThroughLine: 45 });
    expect(await itemsOf()).toEqual(Array.from({ length: 45 }, (_, i) => 100 + i));
    await store.close();
  });

  it('skips bad rows by default, counting all and keeping the first N', async () => {
    const { store, ingestor } = await fresh();
    const file = craftFile('ub.csv', Array.from({ length: 8 }, (_, i) => `1,x${i},5,pv,1511544070`).join('\n'));
    const report = await runImport({ format: 'taobao', file, ingestor, keepErrors: 3 });
    expect(report).toMatchObject({ status: 'complete', rejectedRows: 8, eventsAccepted: 0 });
    expect(report.errors.map(formatProblem)).toEqual([1, 2, 3].map((l) => `ub.csv:${l}: item id "x${l - 1}" is not an integer`));
    await store.close();
  });

  it('stops at --limit rows and on an abort signal, reporting the committed line exactly', async () => {
    const { store, ingestor } = await fresh();
    const limited = await runImport({ format: 'taobao', file: TAOBAO, ingestor, limitRows: 100 });
    expect(limited).toMatchObject({ status: 'limit', rowsRead: 100, eventsAccepted: 100, committedThroughLine: 100 });
    const controller = new AbortController();
    controller.abort();
    const stopped = await runImport({ format: 'taobao', file: TAOBAO, ingestor, signal: controller.signal, batchEvents: 1000 });
    expect(stopped.status).toBe('interrupted');
    const stored = (await store.counts()).events;
    expect(stored).toBe(100 + stopped.eventsAccepted);
    expect(stopped.eventsAccepted + stopped.duplicates).toBe(stopped.committedThroughLine);
    await store.close();
  });

  it('does not clobber a catalogue item, and drops events of users who refused tracking', async () => {
    const { store, ingestor } = await fresh();
    // Item 2371040 is on line 2 of the fixture (user 1) and on lines 63, 94, ... (other users).
    await ingestor.putItems([{ id: '2371040', title: 'Red scarf', categoryPath: ['2931293'] }]);
    await store.upsertUser({ id: '1', consent: { tracking: false } });
    const report = await runImport({ format: 'taobao', file: TAOBAO, ingestor, limitRows: 200 });
    expect((await store.getItem('2371040'))?.title).toBe('Red scarf');
    expect(report.refused).toBeGreaterThan(0);
    expect(report.eventsAccepted + report.refused).toBe(200);
    expect(await store.userEvents('1')).toEqual([]);
    await store.close();
  });

  it('fails cleanly on an unknown format or a missing file', async () => {
    const { store, ingestor } = await fresh();
    expect(await runImport({ format: 'parquet', file: TAOBAO, ingestor })).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/unknown import format "parquet"; known: sequences, taobao/),
    });
    expect(await runImport({ format: 'taobao', file: '/nope/missing.csv', ingestor })).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/cannot read \/nope\/missing.csv/),
    });
    await store.close();
  });
});
