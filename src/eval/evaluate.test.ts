import { describe, expect, it } from 'vitest';
import { parseRechorus, splitAtTimes } from '../data/index.js';
import { popModel } from '../models/pop.js';
import { evaluate } from './evaluate.js';

describe('evaluate', () => {
  it('a served reading leaves what the user bought out of the candidates, as the server does', async () => {
    // Item 2 is the most viewed, 5 the next; u bought 2 before the cut and views 5 after it.
    const rows = ['user_id\titem_id\ttime\ttype'];
    for (const user of ['a', 'b', 'c']) rows.push(`${user}\t2\t0\tview`, `${user}\t2\t1\tview`);
    rows.push('a\t5\t2\tview', 'b\t5\t2\tview', 'u\t2\t3\tpurchase', 'u\t3\t4\tview', 'u\t5\t10\tview');
    const ds = parseRechorus(rows.join('\n'), 'view');
    const papers = splitAtTimes(ds, 10_000, 10_000);
    const served = splitAtTimes(ds, 10_000, 10_000, { stateLength: 1 });
    const model = await popModel.fit(papers.train, {}, { seed: 1 });
    const hit = (split: typeof papers) => evaluate(model, split, 'test', { metrics: ['hr@1'] }).metrics['hr@1'];
    expect(hit(papers)).toBe(1); // the whole history leaves the candidates, 2 with it
    expect(hit(served)).toBe(1); // only the state (3) leaves, and 2 because it is blocked
    const reading = served.test.served!;
    const unblocked = { ...reading, blocked: new Int32Array(0), blockedOffsets: new Int32Array(reading.blockedOffsets.length) };
    expect(hit({ ...served, test: { ...served.test, served: unblocked } })).toBe(0); // 2 would take the first place
  });
});
