import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

describe('GET /v1/users/:id/consent', () => {
  let t: TestApp;
  afterEach(() => t.close());

  it('answers the defaults without a record, the stored consent with one, and whether the user is known; never 404', async () => {
    t = await createTestApp();
    const read = async () => (await t.call('read', { method: 'GET', url: '/v1/users/c1/consent' })).json();
    expect(await read()).toEqual({ userId: 'c1', record: false, known: false, consent: { tracking: true, personalization: true } });
    await t.call('ingest', {
      method: 'POST',
      url: '/v1/events',
      payload: { events: [{ id: 'e1', userId: 'c1', itemId: 'i1', type: 'view', timestamp: 1 }] },
    });
    expect(await read()).toMatchObject({ record: false, known: true });
    await t.call('ingest', { method: 'PUT', url: '/v1/users/c1', payload: { consent: { personalization: false } } });
    expect(await read()).toEqual({ userId: 'c1', record: true, known: true, consent: { tracking: true, personalization: false } });
    await t.call('admin', { method: 'DELETE', url: '/v1/users/c1' });
    expect(await read()).toMatchObject({ record: false, known: false });
  });
});
