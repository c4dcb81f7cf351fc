import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { installConsole } from './console.js';

describe('the console at /console', () => {
  let t: TestApp | null = null;
  const dirs: string[] = [];
  afterEach(async () => {
    await t?.close();
    t = null;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('serves the built page and its assets without a key, while the API behind it still needs one', async () => {
    t = await createTestApp();
    const page = await t.call(null, { method: 'GET', url: '/console/' });
    // The console is built by `npm run build`; this test runs after it (npm test builds first).
    expect(page.statusCode, 'web/dist is missing: run `npm run build`').toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['cache-control']).toBe('no-cache');
    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    expect(asset).toBeDefined();
    const js = await t.call(null, { method: 'GET', url: asset as string });
    expect(js.statusCode).toBe(200);
    expect(js.headers['cache-control']).toContain('immutable');
    expect((await t.call(null, { method: 'GET', url: '/console' })).statusCode).toBe(302);
    expect((await t.call(null, { method: 'GET', url: '/v1/stats/activity' })).statusCode).toBe(401);
    expect((await t.call(null, { method: 'GET', url: '/' })).json().links.console).toBe('/console/');
  });

  it('says how to build it when the assets are missing, and serves a given folder', async () => {
    const empty = Fastify();
    installConsole(empty, join(tmpdir(), 'curio-no-console-here'));
    const missing = await empty.inject({ method: 'GET', url: '/console' });
    expect(missing.statusCode).toBe(503);
    expect(missing.body).toContain('npm run build');
    await empty.close();

    const dir = mkdtempSync(join(tmpdir(), 'curio-console-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<title>console</title>');
    const served = Fastify();
    installConsole(served, dir);
    expect((await served.inject({ method: 'GET', url: '/console/' })).body).toContain('<title>console</title>');
    await served.close();
  });
});
