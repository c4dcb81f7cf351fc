import { afterEach, describe, expect, it } from 'vitest';
import { RetentionPruner } from '../../store/index.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

describe('GET /v1/admin/retention', () => {
  let t: TestApp;
  afterEach(() => t.close());

  it('shows the retention in force and the last pass once one ran; admin only', async () => {
    t = await createTestApp({ env: { CURIO_RETENTION_DAYS: '{"default":365,"view":30}' }, overrides: { 'retention.slatesDays': 0 } });
    const now = Date.now();
    await t.call('ingest', {
      method: 'POST',
      url: '/v1/events',
      payload: { events: [{ id: 'old', userId: 'u1', itemId: 'i1', type: 'view', timestamp: now - 40 * 86_400_000 }] },
    });
    const before = (await t.call('admin', { method: 'GET', url: '/v1/admin/retention' })).json();
    expect(before).toMatchObject({ eventDays: { view: 30, purchase: 365, impression: 90 }, decisionDays: 365, lastPass: null });
    await new RetentionPruner(t.store, { ...t.config.retention, eventDays: t.config.privacy.retentionDays }).runOnce();
    const after = (await t.call('admin', { method: 'GET', url: '/v1/admin/retention' })).json();
    expect(after.lastPass).toMatchObject({ events: { view: 1 }, space: { method: 'free-list' } });
    expect((await t.call('read', { method: 'GET', url: '/v1/admin/retention' })).statusCode).toBe(403);
  });
});
