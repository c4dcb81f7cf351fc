import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curio } from '../../../test/support/curio-cli.js';

describe('curio experiments', () => {
  let dir: string;
  let store: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'curio-exp-cli-'));
    store = `sqlite:${join(dir, 'curio.db')}`;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates from a file, starts, re-weights, lists and stops; a broken file is named with its line', async () => {
    const file = join(dir, 'exp.json');
    writeFileSync(file, JSON.stringify({ id: 'e1', name: 'Explore more', arms: [{ id: 'control' }, { id: 'more', exploreWeight: 0.3 }] }));
    expect(await curio('experiments', 'create', '--file', file, '--store', store)).toEqual({ code: 0, out: 'created e1 (draft)\n' });
    expect((await curio('experiments', 'start', 'e1', '--store', store)).out).toBe('e1 is running\n');
    expect((await curio('experiments', 'weights', 'e1', 'more=3', '--store', store)).out).toBe('e1: control=1 more=3\n');
    const listed = JSON.parse((await curio('experiments', 'list', '--json', '--store', store)).out) as Array<{ id: string; state: string }>;
    expect(listed.map((e) => [e.id, e.state])).toEqual([['e1', 'running']]);
    const results = JSON.parse((await curio('experiments', 'results', 'e1', '--json', '--store', store)).out);
    expect(results).toMatchObject({
      control: 'control',
      arms: [
        { id: 'control', users: 0 },
        { id: 'more', users: 0 },
      ],
      sampleRatio: null,
    });
    expect((await curio('experiments', 'results', 'e1', '--store', store)).out).toContain('e1 (running); primary metric conversion');
    expect((await curio('experiments', 'stop', 'e1', '--store', store)).out).toBe('e1 is stopped\n');
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{\n  "id": "e2",\n  "name": oops\n}');
    const failed = await curio('experiments', 'create', '--file', broken, '--store', store);
    expect(failed.code).not.toBe(0);
    expect(failed.out).toContain(`${broken}:3: not valid JSON`);
  });
});
