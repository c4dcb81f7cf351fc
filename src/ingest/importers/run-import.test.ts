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

  it('while the next batch is parsed, commits batches in file order and stops at the first failed write', async () => {
    const { store, ingestor } = await fresh();
    // The store refuses its third write (a full disk, a lost connection): what came before stays committed,
    // nothing after it is written, and the report names the last committed line.
    let writes = 0;
    const append = store.appendEvents.bind(store);
    store.appendEvents = async (events) => {
      if (++writes === 3) throw new Error('disk full');
      return append(events);
    };
    const rows = Array.from({ length: 45 }, (_, i) => `1,${100 + i},5,pv,${1511544070 + i}`);
    const report = await runImport({ format: 'taobao', file: craftFile('ub.csv', rows.join('\n')), ingestor, batchEvents: 10 });
    expect(report).toMatchObject({ status: 'failed', eventsAccepted: 20, committedThroughLine: 20 });
    expect(report.message).toContain('disk full');
    expect(writes).toBe(3);
    const stored = await store.userEvents('1');
    expect(stored.map((e) => e.itemId).sort()).toEqual(Array.from({ length: 20 }, (_, i) => String(100 + i)).sort());
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
