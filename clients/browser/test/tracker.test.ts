// The storefront tracker in a real browser (Debian's Chromium through playwright-core) against a live server
// on a seeded SQLite store: a tiny page server serves the built tracker, which uses a publishable key for
// the page's origin. Skipped without Chromium unless CURIO_REQUIRE_CHROMIUM=1.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event } from '../../../src/core/index.js';
import { childrenOf } from '../../../test/support/crash-harness.js';
import { within } from '../../../test/support/cluster-nodes.js';
import { shopEvents, shopItems } from '../../../test/support/recommend-shop.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
// window.curio's type (the script's global), for the code the page evaluates.
import type {} from '../src/index.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CURIO_REQUIRE_CHROMIUM === '1') throw new Error(`CURIO_REQUIRE_CHROMIUM=1 but ${CHROMIUM} is missing`);
if (!hasChromium)
  console.warn(
    `tracker tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium; CURIO_REQUIRE_CHROMIUM=1 makes this a failure)`,
  );

const PACKAGE = join(import.meta.dirname, '..');
const FLUSH_MS = 300;

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title><script src="/curio.js"></script></head>
<body><main><h1>Tea 1</h1><div id="recs"></div></main></body></html>`;

describe('the tracker bundle', () => {
  it('builds under its gzipped budget of 6 KB (the build fails above it)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(PACKAGE, 'scripts', 'build.mjs')]);
    const gzipped = Number(/(\d+) B gzipped/.exec(stdout)?.[1]);
    expect(gzipped).toBeGreaterThan(500);
    expect(gzipped).toBeLessThanOrEqual(6 * 1024);
    expect(gzipSync(readFileSync(join(PACKAGE, 'dist', 'curio.js')), { level: 9 }).length).toBe(gzipped);
  });
});

describe.skipIf(!hasChromium)('the storefront tracker in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'curio-tracker-'));
  let t: TestApp;
  let api: string;
  let pages: Server;
  let origin: string;
  let key: string;
  let browser: Browser;
  /** Requests the browser made to the API, by URL. */
  let requests: string[] = [];

  beforeAll(async () => {
    // The tracker under test is the one the build ships: built here from the current source, with its size check.
    await promisify(execFile)(process.execPath, [join(PACKAGE, 'scripts', 'build.mjs')]);
    const script = readFileSync(join(PACKAGE, 'dist', 'curio.js'));
    pages = createServer((req, res) => {
      if (req.url === '/curio.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      else res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    t = await createTestApp({
      storeUrl: `sqlite:${join(dir, 'curio.db')}`,
      prepare: async (store) => {
        await store.upsertItems(shopItems());
        await store.appendEvents(shopEvents());
      },
    });
    api = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const created = await t.call('admin', {
      method: 'POST',
      url: '/v1/admin/keys',
      payload: { name: 'shop', publishable: true, origins: [origin] },
    });
    key = created.json().key;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await new Promise((resolve) => (pages ? pages.close(resolve) : resolve(undefined)));
    rmSync(dir, { recursive: true, force: true });
    // Every process the test started is gone: no Chromium (or its helpers) is left under this process.
    expect(childrenOf(process.pid).filter((c) => /chrom/i.test(c.command))).toEqual([]);
  });

  /** A fresh browser context (its own storage) on the shop page, the tracker started with `options`. */
  async function openShop(options: Record<string, unknown> = {}): Promise<Page> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('request', (r) => r.url().startsWith(api) && requests.push(r.url()));
    await page.goto(`${origin}/p/tea-1`);
    await page.evaluate((o) => window.curio.init(o as never), { endpoint: api, key, flushIntervalMs: FLUSH_MS, ...options });
    (page as Page & { errors?: string[] }).errors = errors;
    return page;
  }

  const eventsOf = (visitor: string): Promise<Event[]> => t.store.userEvents(visitor, { limit: 100 });
  const waitForEvents = async (visitor: string, count: number) => {
    await within(
      5000,
      () => eventsOf(visitor),
      (e) => e.length >= count,
      `${count} events of ${visitor}`,
    );
    return eventsOf(visitor);
  };

  it('records views, clicks, carts and purchases under a stored visitor id, in beacons', async () => {
    const page = await openShop();
    await page.evaluate(() => {
      window.curio.view('tea-1');
      window.curio.click('tea-2');
      window.curio.cart('tea-2');
      window.curio.purchase('tea-2', 10);
    });
    const visitor = await page.evaluate(() => window.curio.visitorId());
    expect(visitor).toBeNull(); // nothing is created before the first send
    const started = Date.now();
    const sent = await page.waitForRequest((r) => r.url().startsWith(`${api}/v1/events`));
    expect(Date.now() - started).toBeLessThan(FLUSH_MS + 1500); // the time bound
    expect(sent.url()).toContain(`key=${key}`);
    expect(sent.resourceType()).toBe('ping'); // navigator.sendBeacon, not fetch
    const id = await page.evaluate(() => localStorage.getItem('curio_vid'));
    expect(id).toMatch(/^vis_[A-Za-z0-9_-]{22}$/);
    const stored = await waitForEvents(id!, 4);
    expect(stored.map((e) => [e.type, e.itemId])).toEqual([
      ['view', 'tea-1'],
      ['click', 'tea-2'],
      ['cart', 'tea-2'],
      ['purchase', 'tea-2'],
    ]);
    expect(stored[3].value).toBe(10);
    expect(new Set(stored.map((e) => e.sessionId)).size).toBe(1);
    expect(stored[0].sessionId).toMatch(/^ses_/);
    expect((page as Page & { errors?: string[] }).errors).toEqual([]);
    await page.context().close();
  });

  it('sends nothing and stores nothing before consent when consent is required; sends what waited once given', async () => {
    requests = [];
    const page = await openShop({ consentRequired: true });
    await page.evaluate(() => {
      window.curio.view('coffee-1');
      window.curio.cart('coffee-1');
      window.curio.flush();
    });
    await page.waitForTimeout(FLUSH_MS * 3);
    expect(requests).toEqual([]);
    expect(await page.evaluate(() => [Object.keys(localStorage), Object.keys(sessionStorage), document.cookie])).toEqual([[], [], '']);

    await page.evaluate(() => window.curio.consent(true));
    const id = await page.evaluate(() => window.curio.visitorId());
    expect(id).toMatch(/^vis_/);
    const stored = await waitForEvents(id!, 2);
    expect(stored.map((e) => e.type)).toEqual(['view', 'cart']);

    // Withdrawn: the visitor id is forgotten and later events go nowhere.
    await page.evaluate(() => window.curio.consent(false));
    requests = [];
    await page.evaluate(() => window.curio.view('coffee-2'));
    await page.waitForTimeout(FLUSH_MS * 3);
    expect(requests).toEqual([]);
    expect(await page.evaluate(() => window.curio.visitorId())).toBeNull();
    expect(await eventsOf(id!)).toHaveLength(2);
    await page.context().close();
  });

  it('renders a recommendations widget whose clicks carry the slate’s recommendationId and position', async () => {
    const page = await openShop();
    await page.evaluate(() => window.curio.view('toys-1'));
    await page.evaluate(() => window.curio.renderRecommendations(document.getElementById('recs')!, { n: 4, title: 'You may also like' }));
    const region = page.getByRole('region', { name: 'You may also like' });
    await expect.poll(() => region.getByRole('link').count()).toBe(4);
    const recommendationId = await region.getAttribute('data-recommendation-id');
    expect(recommendationId).toBeTruthy();
    const second = region.getByRole('link').nth(1);
    const itemId = await second.getAttribute('data-item-id');
    // Keyboard: focus the link and press Enter.
    await second.focus();
    await page.keyboard.press('Enter');
    const visitor = (await page.evaluate(() => window.curio.visitorId()))!;
    await within(
      5000,
      () => eventsOf(visitor),
      (e) => e.some((x) => x.type === 'click'),
      'the widget click',
    );
    const clickEvent = (await eventsOf(visitor)).find((e) => e.type === 'click')!;
    expect(clickEvent.itemId).toBe(itemId);
    expect(clickEvent.context).toMatchObject({ recommendationId, position: 1 });
    expect((page as Page & { errors?: string[] }).errors).toEqual([]);
    await page.context().close();
  });

  it('is refused from a page of another origin', async () => {
    const other = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE.replace('/curio.js', `${origin}/curio.js`)),
    );
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const page = await browser.newPage();
      const sent: string[] = [];
      page.on('request', (r) => r.url().startsWith(api) && sent.push(r.url()));
      await page.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
      const outcome = await page.evaluate(
        async (o) => {
          window.curio.init(o as never);
          window.curio.view('tea-3');
          window.curio.flush();
          try {
            await window.curio.renderRecommendations(document.getElementById('recs')!);
            return 'rendered';
          } catch (e) {
            return String(e);
          }
        },
        { endpoint: api, key, flushIntervalMs: FLUSH_MS },
      );
      expect(outcome).toMatch(/Failed to fetch|TypeError/); // CORS: the page cannot read the refusal
      expect(sent.some((u) => u.startsWith(`${api}/v1/events`))).toBe(true); // the beacon left, and was refused:
      await page.waitForTimeout(FLUSH_MS * 2);
      const visitor = (await page.evaluate(() => window.curio.visitorId()))!;
      expect(visitor).toMatch(/^vis_/);
      expect(await eventsOf(visitor)).toEqual([]);
      await page.context().close();
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });
});
