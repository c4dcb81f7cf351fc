// Consent as a switch that acts at once: two serving runtimes over one store, where the second has not yet
// heard of a consent change made through the first (its change feed is its own, as a node's is before the bus
// delivers). Its very next request must already respect it: nothing logged, nothing buffered, nothing personal.
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../core/index.js';
import { Ingestor } from '../ingest/index.js';
import { LocalChangeFeed, openStore, type Store } from '../store/index.js';
import { RecommendationRuntime } from './runtime.js';
import { KEYS } from '../../test/support/test-app.js';
import { dropSchemas, postgresSchemaUrl, schemaOf } from '../../test/support/postgres.js';
import { shopEvents, shopItems } from '../../test/support/recommend-shop.js';

const STORES: Array<[string, () => string]> = [
  ['SQLite', () => 'sqlite::memory:'],
  ['PostgreSQL', () => postgresSchemaUrl()],
];

const request = { count: 5, exploreWeight: 0.5, exclude: [] };
const s2 = { rawId: 's2', storedId: 's2' };

describe.each(STORES)('consent in serving runtimes on %s', (_name, url) => {
  let store: Store;
  let storeUrl: string;
  let runtimes: RecommendationRuntime[] = [];
  afterEach(async () => {
    for (const r of runtimes) await r.stop();
    runtimes = [];
    await store.close();
    if (storeUrl.startsWith('postgres')) await dropSchemas([schemaOf(storeUrl)]);
  });

  /** Runtime A writes through an Ingestor on its own feed; runtime B's feed never hears of A's writes. */
  async function setup(impressionLog: 'slate' | 'events') {
    storeUrl = url();
    store = await openStore(storeUrl);
    await store.upsertItems(shopItems());
    await store.appendEvents(shopEvents());
    const config: Config = loadConfig({
      env: { CURIO_API_KEYS: `${KEYS.read}:read`, CURIO_LOG_LEVEL: 'silent' },
      overrides: {
        serving: {
          refreshIntervalSeconds: 0,
          impressionFlushMs: 10_000,
          impressionLog,
          userCacheSeconds: 3600,
          seed: 7,
          policy: 'neural-thompson',
        },
      },
    });
    const feedA = new LocalChangeFeed();
    const feedB = new LocalChangeFeed();
    const ingestorA = new Ingestor({ store, idSecret: null, feed: feedA });
    const ingestorB = new Ingestor({ store, idSecret: null, feed: feedB });
    const logWith = (ingestor: Ingestor) => ({ logEvents: ingestor.appendEvents.bind(ingestor) });
    const a = new RecommendationRuntime({ config, store, feed: feedA, ...logWith(ingestorA) });
    const b = new RecommendationRuntime({ config, store, feed: feedB, ...logWith(ingestorB) });
    runtimes = [a, b];
    for (const r of runtimes) await r.start();
    return { ingestorA, a, b };
  }

  /** What the store holds of s2 that serving wrote: served slates and decisions, impression events. */
  async function logged() {
    const impressions = (await store.userEvents('s2')).filter((e) => e.type === 'impression').length;
    return { decisions: (await store.userDecisions('s2')).length, impressions };
  }

  for (const mode of ['slate', 'events'] as const) {
    it(`withdrawn tracking holds at the other runtime's next request ('${mode}' log): nothing written, buffered or kept`, async () => {
      const { ingestorA, a, b } = await setup(mode);
      // B has s2 cached (consent included) and a slate of theirs buffered.
      await b.forUser(s2, request);
      expect(b.heldFor('s2')).toEqual(expect.arrayContaining(['recent activity', 'buffered slates', 'slate contexts']));

      await ingestorA.putUser('s2', { consent: { tracking: false } });
      await a.forUser(s2, request);
      const slate = await b.forUser(s2, request);
      expect(slate.mode).toBe('personalized');
      // Buffered before the withdrawal or served after it: B holds nothing to write, nor contexts for feedback.
      expect(b.heldFor('s2')).not.toContain('buffered slates');
      expect(b.heldFor('s2')).not.toContain('slate contexts');
      expect(a.heldFor('s2')).not.toContain('buffered slates');
      for (const r of runtimes) await r.flushImpressions();
      expect(await logged()).toEqual({ decisions: 0, impressions: 0 });
      // Events sent through either node are refused.
      const refused = await ingestorA.appendEvents([{ ...shopEvents()[0], id: 'after', userId: 's2' }]);
      expect(refused.refused).toEqual([0]);
    });
  }

  it("withdrawn personalisation holds at the other runtime's next request", async () => {
    const { ingestorA, b } = await setup('slate');
    expect((await b.forUser(s2, request)).mode).toBe('personalized');
    await ingestorA.putUser('s2', { consent: { personalization: false } });
    expect((await b.forUser(s2, request)).mode).toBe('non-personalized');
  });

  it('logging resumes when tracking is given again', async () => {
    const { ingestorA, b } = await setup('slate');
    await ingestorA.putUser('s2', { consent: { tracking: false } });
    await b.forUser(s2, request);
    await ingestorA.putUser('s2', { consent: { tracking: true } });
    await b.forUser(s2, request);
    await b.flushImpressions();
    expect((await logged()).decisions).toBe(1);
  });
});
