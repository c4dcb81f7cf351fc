import { describe, expect, it } from 'vitest';
import { formatProblem } from './run-import.js';
import { craftFile, importOnce, importTwice } from '../../../test/support/importer-helpers.js';

describe('jsonl importer', () => {
  it('imports API-shaped events, derives ids from lines, and a second run adds nothing', async () => {
    const lines = [
      { userId: 'u1', itemId: 'i1', type: 'view', timestamp: 1_700_000_000_000 },
      {
        id: 'given-id',
        userId: 'u1',
        itemId: 'i2',
        type: 'purchase',
        value: 19.9,
        timestamp: '2024-01-02T03:04:05Z',
        context: { page: 'home' },
      },
    ];
    const file = craftFile('events.jsonl', lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const { store, first, second } = await importTwice({ format: 'jsonl', file });
    expect(first).toMatchObject({ status: 'complete', rowsRead: 2, eventsAccepted: 2 });
    expect(second).toMatchObject({ eventsAccepted: 0, duplicates: 2 });
    expect((await store.userEvents('u1')).map((e) => e.id)).toEqual(['jsonl:events.jsonl:1', 'given-id']);
    await store.close();
  });

  it('renames keys with a map, converts seconds, and reports bad lines with file:line:reason', async () => {
    const file = craftFile(
      'ev.jsonl',
      ['{"who":"u","what":"i","t":1700000000}', '{"who":"u","what":"i","t":"later"}', 'not json', '[1]', '{"who":"u","t":1700000001}'].join(
        '\n',
      ),
    );
    const { store, report } = await importOnce({
      format: 'jsonl',
      file,
      importer: { map: { userId: 'who', itemId: 'what', timestamp: 't' }, timestampUnit: 's', eventType: 'view' },
    });
    const problems = report.errors.map(formatProblem);
    expect(problems[0]).toMatch(/^ev\.jsonl:2: timestamp: /);
    expect(problems[1]).toMatch(/^ev\.jsonl:3: not JSON: /);
    expect(problems.slice(2)).toEqual(['ev.jsonl:4: not a JSON object', 'ev.jsonl:5: itemId: a view event needs an itemId']);
    expect((await store.userEvents('u'))[0].timestamp).toBe(1_700_000_000_000);
    await store.close();
  });
});
