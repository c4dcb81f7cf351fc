import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, KEYS, type TestApp } from '../../../test/support/test-app.js';

describe('GET /v1/auth/whoami', () => {
  let t: TestApp;
  afterEach(() => t.close());

  it('tells each key its scopes, whatever they are, and refuses a missing or unknown key', async () => {
    t = await createTestApp();
    for (const [name, scopes] of [
      ['ingest', ['ingest']],
      ['read', ['read']],
      ['admin', ['admin']],
    ] as const) {
      const res = await t.call(name, { method: 'GET', url: '/v1/auth/whoami' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ scopes, authDisabled: false });
    }
    expect((await t.call(null, { method: 'GET', url: '/v1/auth/whoami' })).statusCode).toBe(401);
    const unknown = await t.call(null, { method: 'GET', url: '/v1/auth/whoami', headers: { authorization: `Bearer ${KEYS.read}x` } });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().error.message).toContain('unknown');
  });

  it('names a stored key and refuses it once revoked', async () => {
    t = await createTestApp();
    const created = (
      await t.call('admin', { method: 'POST', url: '/v1/admin/keys', payload: { name: 'console', scopes: ['read', 'ingest'] } })
    ).json();
    const ask = () => t.call(null, { method: 'GET', url: '/v1/auth/whoami', headers: { 'x-api-key': created.key } });
    expect((await ask()).json()).toMatchObject({ scopes: ['ingest', 'read'] });
    expect((await ask()).json().actor).toContain(created.id);
    await t.call('admin', { method: 'DELETE', url: `/v1/admin/keys/${created.id}` });
    expect((await ask()).statusCode).toBe(401);
  });

  it('says every scope is allowed when auth is disabled', async () => {
    t = await createTestApp({ env: { CURIO_AUTH_DISABLED: 'true', CURIO_API_KEYS: '' } });
    expect((await t.call(null, { method: 'GET', url: '/v1/auth/whoami' })).json()).toEqual({
      actor: 'anonymous',
      scopes: ['ingest', 'read', 'admin'],
      authDisabled: true,
    });
  });
});
