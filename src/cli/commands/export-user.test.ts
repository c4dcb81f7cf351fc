// `curio export-user` and the retention report of `curio stats`, through the built CLI (`npm run build` first).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPseudonymiser } from '../../privacy/index.js';
import { RetentionPruner } from '../../store/index.js';
import { curio } from '../../../test/support/curio-cli.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

const SECRET = 'a-test-secret-of-enough-length';
const DAY = 86_400_000;

describe('curio export-user and curio stats', () => {
  let dir: string;
  let store: string;
  let config: string;
  let t: TestApp;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'curio-export-cli-'));
    store = `sqlite:${join(dir, 'curio.db')}`;
    config = join(dir, 'curio.json');
    writeFileSync(config, JSON.stringify({ privacy: { idSecret: SECRET, retentionDays: { default: 0, view: 30 } } }));
    t = await createTestApp({ storeUrl: store, env: { CURIO_ID_SECRET: SECRET } });
    await t.call('ingest', { method: 'PUT', url: '/v1/items', payload: { items: [{ id: 'sku-1', categoryPath: ['Hats'] }] } });
    await t.call('ingest', { method: 'PUT', url: '/v1/users/ann', payload: { attributes: { tier: 'gold' } } });
    const now = Date.now();
    const events = [
      { id: 'e1', userId: 'ann', itemId: 'sku-1', type: 'view', timestamp: now - 60 * DAY },
      { id: 'e2', userId: 'ann', itemId: 'sku-1', type: 'purchase', timestamp: now - 60 * DAY },
      { id: 'e3', userId: 'bob', itemId: 'sku-1', type: 'view', timestamp: now - DAY },
    ];
    await t.call('ingest', { method: 'POST', url: '/v1/events', payload: { events } });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints everything stored about a user by the raw id, never the pseudonym; fails for an unknown user', async () => {
    const res = await curio('export-user', 'ann', '--config', config, '--store', store);
    expect(res.code).toBe(0);
    expect(res.out).not.toContain(createPseudonymiser(SECRET)('ann'));
    const exported = JSON.parse(res.out);
    expect(exported).toMatchObject({ userId: 'ann', pseudonymised: true, user: { id: 'ann', attributes: { tier: 'gold' } } });
    expect(exported.events.map((e: { id: string; userId: string }) => `${e.userId}:${e.id}`)).toEqual(['ann:e1', 'ann:e2']);
    // Through the same pseudonym as the server: without the secret the user is not found.
    expect((await curio('export-user', 'ann', '--store', store)).code).not.toBe(0);
    expect((await curio('export-user', 'nobody', '--config', config, '--store', store)).code).not.toBe(0);
  });

  it('reports the retention settings and the last pass a server saved', async () => {
    const before = JSON.parse((await curio('stats', '--json', '--config', config, '--store', store)).out);
    expect(before.retention).toMatchObject({ eventDays: { view: 30, purchase: 0, impression: 90 }, decisionDays: 90, lastPass: null });
    await new RetentionPruner(t.store, { ...t.config.retention, eventDays: { default: 0, view: 30 } }).runOnce();
    const after = JSON.parse((await curio('stats', '--json', '--config', config, '--store', store)).out);
    expect(after.retention.lastPass).toMatchObject({ events: { view: 1 }, slates: 0, space: { method: 'free-list' } });
    expect(after.byType).toEqual({ purchase: 1, view: 1 });
    const text = (await curio('stats', '--config', config, '--store', store)).out;
    expect(text).toMatch(/last retention pass: \S+ \(\d+ ms\): 0 decisions, 1 events removed; space: free-list/);
  });
});
