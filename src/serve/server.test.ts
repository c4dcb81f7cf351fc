import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/index.js';
import { openStore } from '../store/index.js';
import { startServer } from './server.js';
import { KEYS, viewEvent } from '../../test/support/test-app.js';

describe('startServer', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'curio-server-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const configFor = (file: string, env: Record<string, string> = {}) =>
    // Impressions stay buffered until close, which must write them before the store closes.
    loadConfig({
      env: { CURIO_STORE_URL: `sqlite:${file}`, CURIO_PORT: '0', CURIO_LOG_LEVEL: 'silent', ...env },
      overrides: { 'serving.impressionFlushMs': 10_000 },
    });

  it('serves real HTTP on a free port, and on close writes buffered impressions, then closes the store', async () => {
    const file = join(dir, 'live.db');
    const server = await startServer(configFor(file, { CURIO_API_KEYS: `${KEYS.admin}:admin` }), { handleSignals: false });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const headers = { authorization: `Bearer ${KEYS.admin}`, 'content-type': 'application/json' };
    const post = await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ events: [viewEvent(1), viewEvent(2)] }),
    });
    expect(post.status).toBe(200);
    expect(await post.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${server.url}/docs`)).status).toBe(200);
    const slate = await fetch(`${server.url}/v1/users/u1/recommendations?n=5`, { headers });
    expect(slate.status).toBe(200);
    const shown = ((await slate.json()) as { items: unknown[] }).items.length;
    await server.close();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();

    const reopened = await openStore(`sqlite:${file}`);
    // One slate record (serving.impressionLog 'slate'), no impression events.
    expect((await reopened.counts()).events).toBe(2);
    expect((await reopened.userSlates('u1')).map((s) => s.itemIds.length)).toEqual([shown]);
    await reopened.close();
  });

  it('refuses to start without API keys, before creating the store', async () => {
    const file = join(dir, 'never.db');
    await expect(startServer(configFor(file), { handleSignals: false })).rejects.toThrow(/no API keys configured/);
    expect(existsSync(file)).toBe(false);
  });
});
