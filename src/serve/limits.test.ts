// CORS, per-key rate limits, the bound on writes in flight, request timeouts and draining on close,
// over real HTTP where the behaviour lives in the socket.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, KEYS, type TestApp } from '../../test/support/test-app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function listen(overrides: Record<string, unknown>): Promise<{ app: TestApp; port: number }> {
  t = await createTestApp({ overrides });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  return { app: t, port: (t.app.server.address() as { port: number }).port };
}

/** Opens a write whose body has not been sent yet: the server has seen its headers only. */
function openWrite(port: number, body: string): Promise<{ socket: Socket; finish: () => Promise<string> }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEYS.ingest}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
      );
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      const done = new Promise<string>((r) => socket.on('close', () => r(answer)));
      // Give the server a moment to run the request's hooks on the headers.
      setTimeout(() => resolve({ socket, finish: () => (socket.end(body), done) }), 100);
    });
  });
}

const events = (id: string) => JSON.stringify({ events: [{ id, userId: 'u1', itemId: 'i1', type: 'view', timestamp: 1_700_000_000_000 }] });

describe('CORS', () => {
  it('answers preflights for configured origins only, and adds no CORS headers when none are configured', async () => {
    const { port } = await listen({ 'server.corsOrigins': ['https://shop.example'] });
    const preflight = await fetch(`http://127.0.0.1:${port}/v1/events`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const other = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    await t!.close();
    t = undefined;
    const plain = await listen({});
    const res = await fetch(`http://127.0.0.1:${plain.port}/healthz`, { headers: { origin: 'https://shop.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After in the documented shape past the limit, per key', async () => {
    const { app } = await listen({ 'server.rateLimitPerSecond': 3 });
    const ask = (as: 'read' | 'admin') => app.call(as, { method: 'GET', url: '/v1/trending' });
    const statuses = [];
    for (let k = 0; k < 4; k++) statuses.push((await ask('read')).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await ask('read');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String), problems: [] } });
    expect((await ask('admin')).statusCode).toBe(200);
    expect((await app.call(null, { method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});

describe('writes in flight', () => {
  it('refuses a write past server.maxPendingWrites with 503 and Retry-After, and takes it once one finishes', async () => {
    const { app, port } = await listen({ 'server.maxPendingWrites': 1 });
    const held = await openWrite(port, events('held'));
    const refused = await fetch(`http://127.0.0.1:${port}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.ingest}`, 'content-type': 'application/json' },
      body: events('second'),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('UNAVAILABLE');
    expect((await app.call('read', { method: 'GET', url: '/v1/trending' })).statusCode).toBe(200);
    expect(await held.finish()).toMatch(/^HTTP\/1.1 200/);
    const again = await fetch(`http://127.0.0.1:${port}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.ingest}`, 'content-type': 'application/json' },
      body: events('second'),
    });
    expect(again.status).toBe(200);
  });
});

describe('request timeouts', () => {
  it('answers a request that never finishes arriving with 408 in the documented shape', async () => {
    const { port } = await listen({ 'server.requestTimeoutMs': 300 });
    const held = await openWrite(port, events('slow'));
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      held.socket.on('data', (d: Buffer) => (text += d.toString()));
      held.socket.on('close', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1.1 408/);
    expect(answer).toMatch(/"code":"REQUEST_TIMEOUT"/);
  });
});

describe('closing', () => {
  it('drains a request in flight: its write is answered and stored before the store closes', async () => {
    const { app, port } = await listen({});
    const held = await openWrite(port, events('in-flight'));
    const closing = app.app.close();
    const answer = await held.finish();
    await closing;
    expect(answer).toMatch(/^HTTP\/1.1 200/);
    expect((await app.store.userEvents('u1')).map((e) => e.id)).toEqual(['in-flight']);
  });
});
