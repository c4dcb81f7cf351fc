import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineRoute } from './route.js';
import { createApp } from './app.js';
import { loadConfig } from '../core/index.js';
import { openStore, type Store } from '../store/index.js';
import type { FastifyInstance } from 'fastify';
import { createTestApp, KEYS, type TestApp } from '../../test/support/test-app.js';

describe('error translation', () => {
  let app: FastifyInstance;
  let store: Store;
  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
    const config = loadConfig({ env: { CURIO_AUTH_DISABLED: 'true', CURIO_LOG_LEVEL: 'silent' } });
    const boom = defineRoute({
      method: 'GET',
      url: '/v1/boom',
      scope: 'open',
      tag: 'ops',
      summary: 'fails',
      responses: {},
      handler: async () => {
        throw new Error('secret detail');
      },
    });
    app = createApp({ config, store, processMetrics: false, routes: [() => [boom]] });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  it('answers a non-JSON content type and an empty JSON body with 400 BAD_INPUT', async () => {
    const text = await app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
    expect(text.statusCode).toBe(400);
    expect(text.json().error).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/application\/json/) });
    const empty = await app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe('BAD_INPUT');
  });

  it('hides the details of an unexpected failure behind 500 INTERNAL', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: 'internal error', problems: [] } });
  });
});

describe('errors before a route runs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const shape = (body: string) => JSON.parse(body) as { error: { code: string; message: string; problems: Array<{ path: string }> } };

  it('answers a URL that does not decode and an over-long path id in the documented shape', async () => {
    for (const url of ['/v1/items/%E0%A4%A', `/v1/items/${'x'.repeat(1100)}`]) {
      const res = await t.call('admin', { method: 'GET', url });
      expect(res.statusCode).toBe(400);
      expect(shape(res.body).error).toMatchObject({ code: 'BAD_INPUT', problems: [{ path: 'url' }] });
    }
  });

  it('refuses a __proto__ key for what it is, and accepts a DELETE with a JSON content type and no body', async () => {
    const res = await t.call('ingest', {
      method: 'PUT',
      url: '/v1/items',
      headers: { 'content-type': 'application/json' },
      payload: '{"items":[{"id":"a","__proto__":{"x":1}}]}',
    });
    expect(res.statusCode).toBe(400);
    expect(shape(res.body).error.message).toMatch(/__proto__/);
    const bad = await t.call('ingest', {
      method: 'PUT',
      url: '/v1/items',
      headers: { 'content-type': 'application/json' },
      payload: '{"items":[',
    });
    expect(shape(bad.body).error).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/not valid JSON/) });
    await t.call('ingest', { method: 'PUT', url: '/v1/items', payload: { items: [{ id: 'gone' }] } });
    const del = await t.call('admin', { method: 'DELETE', url: '/v1/items/gone', headers: { 'content-type': 'application/json' } });
    expect(del.statusCode).toBe(200);
  });

  it('reads x-api-key when the Authorization header carries another scheme', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/v1/items/none',
      headers: { authorization: 'Basic Zm9vOmJhcg==', 'x-api-key': KEYS.read },
    });
    expect(res.statusCode).toBe(404);
  });

  it('answers headers over the limit with 431 in the documented shape', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}/v1/items/x`, { headers: { 'x-big': 'a'.repeat(17_000) } });
    expect(res.status).toBe(431);
    expect((await res.json()) as unknown).toEqual({ error: { code: 'HEADERS_TOO_LARGE', message: expect.any(String), problems: [] } });
  });

  it("serves a request with an unknown Expect header instead of Node's empty 417", async () => {
    if (!t.app.server.listening) await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    const send = (path: string, key: string) =>
      new Promise<string>((resolve, reject) => {
        let text = '';
        const socket = connect(port, '127.0.0.1', () =>
          socket.write(
            `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nExpect: the-unexpected\r\nConnection: close\r\n\r\n`,
          ),
        );
        socket.on('data', (d: Buffer) => (text += d.toString('utf8')));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
    expect(await send('/healthz', KEYS.read)).toMatch(/^HTTP\/1\.1 200 [^]*\{"status":"ok"\}$/);
    const missing = await send('/v1/items/none', KEYS.read);
    expect(missing).toMatch(/^HTTP\/1\.1 404 /);
    expect(shape(missing.slice(missing.indexOf('\r\n\r\n') + 4)).error.code).toBe('NOT_FOUND');
  });
});
