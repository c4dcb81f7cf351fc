// The console end to end: Debian's Chromium (playwright-core, no downloaded browser) against a real `curio serve`
// on a seeded SQLite store. Screenshots of every page go to test-artifacts/console/ (gitignored).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateIntoStore } from '../src/cli/commands/simulate.js';
import { openStore } from '../src/store/index.js';
import { startCurioServer, type CurioServer } from './support/curio-server.js';
import { logOpeTraffic } from './support/ope-logs.js';

const ROOT = join(import.meta.dirname, '..');
const CHROMIUM = process.env.CURIO_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');
const KEYS = { admin: 'console-admin-key-0123', read: 'console-read-key-01234', ingest: 'console-ingest-key-012' };
const DAY = 86_400_000;
const WRONG_KEY = 'wrong-key';
const OPE_USERS = 60;
/** Waits for what the page shows to match; pages load over HTTP and the live ones redraw every 5 s. */
const poll = <T>(read: () => Promise<T> | T, timeout = 10_000) => expect.poll(read, { timeout });

const haveChromium = existsSync(CHROMIUM);
// CI installs Chromium (.ci/run) and says so with CURIO_REQUIRE_CHROMIUM=1: there its absence is a failure, not a skip.
if (!haveChromium && process.env.CURIO_REQUIRE_CHROMIUM === '1') {
  throw new Error(`CURIO_REQUIRE_CHROMIUM=1 but there is no Chromium at ${CHROMIUM} (apt-get install chromium)`);
}
if (!haveChromium) console.warn(`console tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CURIO_CHROMIUM)`);

describe.skipIf(!haveChromium)('the console in a real browser', () => {
  let dir: string;
  let server: CurioServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Console errors and uncaught page errors, by the page they happened on. */
  const problems: string[] = [];
  let where = 'sign-in';
  let shopper = '';
  let erased = '';

  const api = async <T>(path: string, init: RequestInit = {}, key: string = KEYS.admin): Promise<T> => {
    const res = await fetch(server.url + path, {
      ...init,
      headers: { authorization: `Bearer ${key}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    });
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  const watch = (p: Page) => {
    p.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${where}: console ${m.type()}: ${m.text()}`);
    });
    p.on('pageerror', (e) => problems.push(`${where}: ${e.message}`));
    // The browser reports a failed request as a console error without its URL; this says which one it was.
    p.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${where}: HTTP ${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
    });
  };

  /** Opens a page afresh: going to the URL already shown would only keep the page's loaded data. */
  const open = async (route: string) => {
    where = route;
    const url = `${server.url}/console/#/${route}`;
    if (page.url() === url) await page.reload();
    else await page.goto(url);
  };
  const shoot = (name: string, p: Page = page) => p.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    expect(existsSync(join(ROOT, 'web', 'dist', 'index.html')), 'the console is not built: run `npm run build`').toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'curio-console-'));
    const storeUrl = `sqlite:${join(dir, 'shop.db')}`;
    const store = await openStore(storeUrl);
    try {
      // Recent traffic, as the demo makes it; and an epsilon-greedy logger's slates with clicks for the OPE curve.
      await simulateIntoStore(store, { seed: 7, users: 150, items: 80, days: 5, startTime: Date.now() - 5 * DAY, idSecret: null });
      // The two busiest simulated shoppers, outside the OPE logger's users (u0..u59), are looked at and erased.
      const counts = new Map<string, number>();
      for await (const e of store.scanEvents()) counts.set(e.userId, (counts.get(e.userId) ?? 0) + 1);
      [shopper, erased] = [...counts]
        .filter(([id]) => Number(id.slice(1)) >= OPE_USERS)
        .sort((a, b) => b[1] - a[1])
        .map(([id]) => id);
      await logOpeTraffic(store, { slates: 600, users: OPE_USERS, seed: 3 });
    } finally {
      await store.close();
    }
    // The trainer writes one registry version; two fast candidates keep it short.
    const configFile = join(dir, 'curio.json');
    writeFileSync(
      configFile,
      JSON.stringify({ training: { candidates: [{ model: 'transition' }, { model: 'itemknn' }], blend: false, schedule: '' } }),
    );
    server = await startCurioServer({
      storeUrl,
      configFile,
      env: {
        CURIO_API_KEYS: `${KEYS.admin}:admin,${KEYS.read}:read,${KEYS.ingest}:ingest`,
        CURIO_LOG_LEVEL: 'warn',
        CURIO_TRAINING_WORKER: 'true',
        // The seeded shop's item pairs are made by a few shoppers each, fewer than k-anonymity's default
        // group (its suppression is tested against the API in src/serve/routes/safe-aggregates.test.ts).
        CURIO_MIN_GROUP_SIZE: '1',
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    watch(page);
    // Wait for the first registry version, so the overview and models pages have one to show.
    let serving: string | null = null;
    for (let waited = 0; !serving && waited < 90_000; waited += 500) {
      ({ serving } = await api<{ serving: string | null }>('/v1/admin/models'));
      if (!serving) await new Promise((r) => setTimeout(r, 500));
    }
    expect(serving, "the server's trainer wrote no model version within 90 s").toBeTruthy();
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    expect(server?.child.exitCode !== null || server?.child.signalCode !== null).toBe(true);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('refuses a wrong key, then signs in and keeps the key in sessionStorage only', async () => {
    await open('overview');
    where = WRONG_KEY;
    await page.fill('#api-key', 'not-a-key-0123456789');
    await page.click('button[type=submit]');
    await poll(() => page.getByRole('alert').textContent()).toContain('unknown');
    where = 'sign-in';
    await page.fill('#api-key', KEYS.admin);
    await page.click('button[type=submit]');
    await page.getByRole('navigation', { name: 'Pages' }).waitFor();
    const links = await page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allTextContents();
    expect(links).toEqual(['Overview', 'Shopper', 'Items', 'Segments', 'Explore/exploit', 'Models', 'Experiments', 'Privacy']);
    // Keyboard: the skip link first, then the pages; Enter on one opens it.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    for (let i = 0; i < 4; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Segments');
    await page.keyboard.press('Enter');
    await poll(() => page.locator('main h1').textContent()).toBe('Segments');
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([KEYS.admin]);
  });

  it('hides what a read-only key may not do', async () => {
    const readOnly = await context.browser()!.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await readOnly.newPage();
    watch(p);
    await p.goto(`${server.url}/console/#/items`);
    await p.fill('#api-key', KEYS.read);
    await p.click('button[type=submit]');
    const nav = p.getByRole('navigation', { name: 'Pages' });
    await nav.waitFor();
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Overview', 'Shopper', 'Items', 'Segments', 'Privacy']);
    await p.goto(`${server.url}/console/#/items/i1`);
    await p.getByTestId('predicted-tags').waitFor();
    expect(await p.getByRole('button', { name: 'Accept' }).count()).toBe(0);
    await p.goto(`${server.url}/console/#/overview`);
    await p.getByTestId('total-items').waitFor();
    expect(await p.getByTestId('serving-model').count()).toBe(0);
    await readOnly.close();
  });

  it('overview: store totals, live events per minute, the serving version and its holdout metrics', async () => {
    const now = Date.now();
    await api(
      '/v1/events',
      {
        method: 'POST',
        body: JSON.stringify({
          events: [0, 1, 2, 3, 4].map((k) => ({
            id: `live-${k}`,
            // Five shoppers: a minute's count of fewer than privacy.minGroupSize users is not shown.
            userId: k === 0 ? shopper : `live-shopper-${k}`,
            itemId: 'i2',
            type: 'view',
            timestamp: now,
          })),
        }),
      },
      KEYS.ingest,
    );
    const activity = await api<{ perMinute: Array<{ counts: Record<string, number> }>; totals: { items: number; events: number } }>(
      '/v1/stats/activity?minutes=60',
    );
    const lastHour = activity.perMinute.reduce((s, m) => s + Object.values(m.counts).reduce((a, b) => a + b, 0), 0);
    expect(lastHour).toBeGreaterThanOrEqual(5);
    await open('overview');
    await poll(() => page.getByTestId('total-items').textContent()).toContain(String(activity.totals.items));
    await poll(() => page.getByTestId('events-last-hour').textContent()).toContain(`${lastHour.toLocaleString('en')} events`);
    const models = await api<{ serving: string }>('/v1/admin/models');
    await poll(() => page.getByTestId('serving-version').textContent()).toContain(models.serving);
    expect(await page.getByTestId('serving-model').textContent()).toContain('holdout:ndcg@10');
    // The chart draws one bar segment per minute and type with events.
    await poll(() => page.locator('[data-testid=events-chart] .recharts-bar-rectangle').count()).toBeGreaterThan(0);
    await poll(() => page.getByTestId('request-rate').textContent(), 15_000).not.toContain('…');
    await shoot('overview');
  });

  it('shopper: timeline, interests, segment, intent, and a slate the explore slider changes', async () => {
    const { events } = await api<{ events: unknown[] }>(`/v1/users/${shopper}/events?limit=50`);
    await open(`shopper/${shopper}`);
    await poll(() => page.locator('[data-testid=timeline] li').count()).toBe(events.length);
    await page.getByTestId('interests').waitFor();
    // Drift over time: the profile recomputed at moments across the history, one line per top category and the drift score.
    await poll(() => page.locator('[data-testid=drift-history] .recharts-line').count(), 15_000).toBeGreaterThan(1);
    await page.getByTestId('user-segment').waitFor();
    await page.getByTestId('intent').waitFor();
    // The model's uncertainty per interest, as the API gives it: one row per interest, most uncertain first.
    const belief = await api<{ interests: Array<{ category: string; stage: string }> }>(`/v1/users/${shopper}/interests/uncertainty`);
    expect(belief.interests.length).toBeGreaterThan(0);
    await poll(() => page.locator('[data-testid=uncertainty] tbody tr').count()).toBe(belief.interests.length);
    expect(await page.locator('[data-testid=uncertainty] tbody tr').first().textContent()).toContain(belief.interests[0].category);
    await poll(() => page.locator('[data-testid=uncertainty] .recharts-bar-rectangle').count()).toBe(Math.min(12, belief.interests.length));
    const slate = () =>
      page.locator('[data-testid=slate] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-item')).join(','));
    const slider = page.getByLabel('Explore weight');
    await slider.focus();
    await page.keyboard.press('Home');
    await poll(() => page.getByTestId('explore-value').textContent()).toBe('0.00');
    await poll(() => page.locator('[data-testid=slate] .badge.explore').count()).toBe(0);
    const greedy = await slate();
    expect(greedy.split(',')).toHaveLength(10);
    await page.keyboard.press('End');
    await poll(() => page.getByTestId('explore-value').textContent()).toBe('1.00');
    await poll(slate).not.toBe(greedy);
    await poll(() => page.locator('[data-testid=slate] .badge.explore').count()).toBeGreaterThan(0);
    await shoot('shopper');
  });

  it('items: search, neighbours, and an accepted tag that persists', async () => {
    // An item with a predicted tag it does not carry yet.
    const { items } = await api<{ items: Array<{ id: string; title: string; tags: string[] }> }>('/v1/items?limit=40');
    const predicted = await api<{ itemIds: Array<{ itemId: string; tags: Array<{ label: string }> }> }>('/v1/items/tag', {
      method: 'POST',
      body: JSON.stringify({ itemIds: items.map((i) => i.id) }),
    });
    const target = predicted.itemIds.find((p) => p.tags.some((t) => !items.find((i) => i.id === p.itemId)!.tags.includes(t.label)));
    expect(target, 'the seeded shop should have an item with a new predicted tag').toBeDefined();
    const item = items.find((i) => i.id === target!.itemId)!;
    const tag = target!.tags.find((t) => !item.tags.includes(t.label))!.label;

    await open('items');
    await page.getByLabel('Search the catalogue').fill(item.title);
    await poll(() => page.locator('[data-testid=catalogue] tbody tr').first().textContent()).toContain(item.id);
    await shoot('items');
    await page.locator('[data-testid=catalogue] tbody tr').first().getByRole('link').click();
    await page.getByTestId('item-detail').waitFor();
    await poll(() => page.locator('[data-testid=similar] tbody tr').count()).toBeGreaterThan(0);
    await page.locator(`[data-testid=predicted-tags] li[data-tag="${tag}"]`).getByRole('button', { name: 'Accept' }).click();
    await poll(() => page.getByTestId('item-tags').textContent()).toContain(tag);
    expect((await api<{ tags: string[] }>(`/v1/items/${item.id}`)).tags).toContain(tag);
    await page.reload();
    await poll(() => page.getByTestId('item-tags').textContent()).toContain(tag);
    await shoot('item');
    // Rejecting takes the tag off the item and keeps the refusal, so the tagger does not propose it again.
    await page.locator(`[data-testid=predicted-tags] li[data-tag="${tag}"]`).getByRole('button', { name: 'Reject' }).click();
    const stored = () => api<{ tags: string[]; attributes: { rejectedTags?: string[] } }>(`/v1/items/${item.id}`);
    await poll(async () => (await stored()).attributes.rejectedTags ?? []).toContain(tag);
    expect((await stored()).tags).not.toContain(tag);
    await page.reload();
    await page.getByTestId('predicted-tags').waitFor({ state: 'attached' });
    expect(await page.locator(`[data-testid=predicted-tags] li[data-tag="${tag}"]`).count()).toBe(0);
  });

  it('segments: sizes and descriptions from the server, with the CSV download', async () => {
    const seg = await api<{ segments: Array<{ description: string }> }>('/v1/segments');
    await open('segments');
    await poll(() => page.getByTestId('segment-count').textContent()).toContain(String(seg.segments.length));
    expect(await page.locator('[data-testid=segments] tbody tr').count()).toBe(seg.segments.length);
    expect(await page.getByTestId('segments').textContent()).toContain(seg.segments[0].description);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: /Download CSV/ }).click();
    expect((await download).suggestedFilename()).toBe('curio-segments.csv');
    await shoot('segments');
  });

  it('explore/exploit: the policy, the exploration share and the OPE curve with intervals', async () => {
    const status = await api<{ policy: { policy: string } }>('/v1/recommendations/status');
    await open('explore');
    await poll(() => page.getByTestId('policy-name').textContent()).toBe(status.policy.policy);
    await poll(() => page.getByTestId('share').textContent()).toMatch(/%/);
    await poll(() => page.locator('[data-testid=ope-table] tbody tr').count(), 30_000).toBe(8);
    // The seeded logger's slates carry clicks: the estimates are finite, with intervals.
    expect(await page.getByTestId('ope-table').textContent()).toMatch(/\d\.\d+ – \d\.\d+/);
    await shoot('explore');
  });

  it('models and experiments: the registry with metrics, an experiment with its arms and results', async () => {
    const models = await api<{ serving: string }>('/v1/admin/models');
    await open('models');
    await poll(() => page.getByTestId('serving').textContent()).toBe(models.serving);
    expect(await page.locator(`[data-testid=versions] tr[data-version="${models.serving}"]`).textContent()).toContain('serving');
    await shoot('models');

    await api('/v1/admin/experiments', {
      method: 'POST',
      body: JSON.stringify({ id: 'explore-more', name: 'Explore more', arms: [{ id: 'control' }, { id: 'bold', exploreWeight: 0.5 }] }),
    });
    await api('/v1/admin/experiments/explore-more/start', { method: 'POST' });
    await open('experiments');
    await page.getByRole('link', { name: 'Explore more' }).click();
    await poll(() => page.locator('[data-testid=arms] tbody tr').count()).toBe(2);
    expect(await page.getByTestId('comparisons').textContent()).toContain('bold');
    await shoot('experiments');
  });

  it('privacy: consent, export, and an erasure with its receipt that empties the shopper page', async () => {
    expect((await api<{ events: unknown[] }>(`/v1/users/${erased}/events`)).events.length).toBeGreaterThan(0);
    await open(`privacy/${erased}`);
    await poll(() => page.getByTestId('consent').textContent()).toContain('tracking');
    await page.getByRole('button', { name: /Export everything/ }).click();
    await poll(() => page.getByTestId('export').textContent()).toContain(erased);
    await page.getByRole('button', { name: 'Erase this user…' }).click();
    await page.getByRole('button', { name: `Erase ${erased}` }).click();
    await poll(() => page.getByTestId('receipt-state').textContent()).toMatch(/pending|done/);
    expect(await page.getByTestId('retention').textContent()).toContain('impression events');
    await shoot('privacy');
    // Erased everywhere: the server no longer knows the user at all.
    const after = await fetch(`${server.url}/v1/users/${erased}/events`, { headers: { authorization: `Bearer ${KEYS.admin}` } });
    expect(after.status).toBe(404);
    await open(`shopper/${erased}`);
    await page.getByTestId('unknown-user').waitFor();
  });

  it('is readable at 390 px: no page scrolls sideways', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const route of [
      'overview',
      `shopper/${shopper}`,
      'items',
      'segments',
      'explore',
      'models',
      'experiments/explore-more',
      `privacy/${shopper}`,
    ]) {
      await open(route);
      await page.locator('main h1').waitFor();
      await page.waitForLoadState('networkidle');
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, `${route} is ${width} px wide`).toBeLessThanOrEqual(390);
      await shoot(`${route.split('/')[0]}-390`);
    }
  });

  it('logged no console errors or warnings on any page', () => {
    // The one refusal the test asked for (a wrong key) is the browser's to report; nothing else may be.
    expect(problems.filter((p) => !p.startsWith(`${WRONG_KEY}:`))).toEqual([]);
    expect(problems.some((p) => p.startsWith(`${WRONG_KEY}: HTTP 401`))).toBe(true);
  });
});
