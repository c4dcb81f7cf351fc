import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job, ModelVersion } from '../../store/index.js';
import { createLoopShop, fittedVersion, runJob, type LoopShop } from '../../../test/support/loop-shop.js';
import { curio } from '../../../test/support/curio-cli.js';

let shop: LoopShop;
beforeAll(async () => {
  shop = await createLoopShop({ users: 60, items: 30, days: 4 });
});
afterAll(() => shop.close());

describe('curio models and curio jobs', () => {
  it('list, promote and roll back versions; queue, list, cancel and watch jobs', async () => {
    const first = await runJob(shop);
    const second = await fittedVersion(shop);
    const listed = JSON.parse((await curio('models', 'list', '--store', shop.url, '--json')).out) as ModelVersion[];
    expect(listed.map((v) => [v.id, v.state])).toEqual([
      [second.id, 'candidate'],
      [first.versionId, 'serving'],
    ]);
    expect(await curio('models', 'promote', second.id, '--store', shop.url)).toEqual({ code: 0, out: `serving ${second.id}\n` });
    expect((await curio('models', 'rollback', '--store', shop.url)).out).toBe(`rolled back from ${second.id} to ${first.versionId}\n`);
    const again = await curio('models', 'rollback', '--store', shop.url);
    expect(again.code).not.toBe(0);
    expect(again.out).toMatch(/no earlier serving version/);

    const started = await curio('jobs', 'start', 'incremental', '--store', shop.url);
    expect(started.out).toMatch(/^job-\S+\s+incremental\s+queued/);
    const id = started.out.split(/\s+/)[0];
    expect((await curio('jobs', 'start', 'sometimes', '--store', shop.url)).out).toMatch(/unknown job kind "sometimes"/);
    expect((await curio('jobs', 'cancel', id, '--store', shop.url)).out).toMatch(/incremental\s+cancelled/);
    const jobs = JSON.parse((await curio('jobs', 'list', '--store', shop.url, '--json')).out) as Job[];
    expect(jobs.find((j) => j.id === id)?.state).toBe('cancelled');
    expect((await curio('jobs', 'watch', id, '--store', shop.url)).out).toMatch(new RegExp(`${id}\\s+incremental\\s+cancelled`));
  }, 120_000);
});
