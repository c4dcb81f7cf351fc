import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ENV_VARS, loadConfig } from './config.js';
import { DEFAULT_EVENT_WEIGHTS } from './event-types.js';

describe('loadConfig', () => {
  it('has defaults for everything, including the behaviour weights', () => {
    const c = loadConfig({ env: {} });
    expect(c.store.url).toBe('sqlite:./curio.db');
    expect(c.server.maxBatchEvents).toBe(10_000);
    expect(c.events.weights).toEqual(DEFAULT_EVENT_WEIGHTS);
    const w = c.events.weights;
    expect(w.purchase > w.cart && w.cart > w.favorite && w.favorite > w.click && w.click > w.view).toBe(true);
    expect(w.dislike).toBe(-3);
  });

  it('layers file, then CURIO_* environment, then flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'curio-cfg-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ server: { port: 1111, host: '0.0.0.0' }, events: { weights: { view: 0.25 } } }));
    const c = loadConfig({
      file,
      env: { CURIO_PORT: '2222', CURIO_API_KEYS: 'k-0123456789abcdef:ingest+read' },
      overrides: { 'store.url': 'sqlite::memory:' },
    });
    expect(c.server).toMatchObject({ port: 2222, host: '0.0.0.0' });
    expect(c.events.weights.view).toBe(0.25);
    expect(c.events.weights.purchase).toBe(5);
    expect(c.auth.keys).toEqual([{ key: 'k-0123456789abcdef', scopes: ['ingest', 'read'] }]);
    expect(loadConfig({ file, env: { CURIO_PORT: '2222' }, overrides: { 'server.port': 3333 } }).server.port).toBe(3333);
  });

  it('names the field and the reason for bad values', () => {
    expect(() => loadConfig({ env: { CURIO_PORT: 'eighty' } })).toThrow(/server\.port/);
    expect(() => loadConfig({ env: { CURIO_API_KEYS: 'short:admin' } })).toThrow(
      /auth\.keys\.0\.key: an API key needs at least 16 characters/,
    );
    expect(() => loadConfig({ env: { CURIO_API_KEYS: 'k-0123456789abcdef:root' } })).toThrow(/auth\.keys\.0\.scopes\.0/);
    expect(() => loadConfig({ file: '/nonexistent/curio.json' })).toThrow(/cannot read config file \/nonexistent\/curio.json/);
  });

  it('every environment variable is documented in docs/configuration.md', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    for (const v of ENV_VARS) expect(doc, v.name).toContain(`\`${v.name}\``);
  });

  it('every variable docs/configuration.md names is read (none is silently ignored)', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const documented = new Set([...doc.matchAll(/^\| `(CURIO_[A-Z0-9_]+)`/gm)].map((m) => m[1]));
    const read = new Set(ENV_VARS.map((v) => v.name));
    // Read where they act, not through the configuration: the numeric backend, its build, the benches' data paths.
    const outside = new Set([
      'CURIO_NN_BACKEND',
      'CURIO_NATIVE_ADDON',
      'CURIO_SKIP_NATIVE',
      'CURIO_REQUIRE_NATIVE',
      'CURIO_DATASETS',
      'CURIO_OBD_DIR',
      'CURIO_TORCH_SCRIPT',
    ]);
    expect([...documented].filter((name) => !read.has(name) && !outside.has(name))).toEqual([]);
    expect(loadConfig({ env: { CURIO_RETENTION_SLATES_DAYS: '30', CURIO_SERVING_IMPRESSION_LOG: 'events' } })).toMatchObject({
      retention: { slatesDays: 30 },
      serving: { impressionLog: 'events' },
    });
  });
});

describe('serving defaults', () => {
  it('explores with the model posterior, from the interest frontier, spread by shopper need', () => {
    const { serving } = loadConfig({ env: {} });
    expect(serving).toMatchObject({ policy: 'neural-thompson', explorationPool: 'frontier', adaptiveExplore: true });
  });
});
