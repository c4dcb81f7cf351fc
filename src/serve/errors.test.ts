import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineRoute } from './route.js';
import { createApp } from './app.js';
import { loadConfig } from '../core/index.js';
import { openStore, type Store } from '../store/index.js';
import type { FastifyInstance } from 'fastify';

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
