import { describe, expect, it } from 'vitest';
import { CachedModel } from './cached-model.js';

/** A cache over a counter whose builds resolve only when the test says so. */
function setup(ttlSeconds: number) {
  let now = 1_000_000;
  let builds = 0;
  const pending: Array<{ resolve: (v: number) => void; reject: (e: Error) => void }> = [];
  const warnings: string[] = [];
  const cache = new CachedModel<number>({
    name: 'counter',
    ttlSeconds,
    clock: () => now,
    warn: (m) => warnings.push(m),
    build: () => {
      builds++;
      return new Promise<number>((resolve, reject) => pending.push({ resolve, reject }));
    },
  });
  const finish = async (k: number, value: number) => {
    pending[k].resolve(value);
    await cache.idle();
  };
  return { cache, pending, warnings, finish, builds: () => builds, tick: (s: number) => (now += s * 1000) };
}

describe('CachedModel', () => {
  it('builds once on first use, however many requests arrive together', async () => {
    const s = setup(60);
    const reads = [s.cache.get(), s.cache.get(), s.cache.get()];
    expect(s.builds()).toBe(1);
    await s.finish(0, 7);
    expect((await Promise.all(reads)).map((b) => b.value)).toEqual([7, 7, 7]);
    expect(s.cache.status()).toMatchObject({ stale: false, rebuilding: false, ageSeconds: 0 });
  });

  it('serves the stale model while one background rebuild runs after the TTL', async () => {
    const s = setup(60);
    const first = s.cache.get();
    await s.finish(0, 1);
    await first;
    s.tick(59);
    expect((await s.cache.get()).value).toBe(1);
    expect(s.builds()).toBe(1);
    s.tick(1);
    expect((await s.cache.get()).value).toBe(1);
    expect((await s.cache.get()).value).toBe(1);
    expect(s.builds()).toBe(2);
    expect(s.cache.status()).toMatchObject({ stale: true, rebuilding: true, ageSeconds: 60 });
    await s.finish(1, 2);
    expect((await s.cache.get()).value).toBe(2);
    expect(s.cache.status()).toMatchObject({ stale: false, rebuilding: false });
  });

  it('never expires with ttl 0; refresh rebuilds and a slower older build does not overwrite a newer one', async () => {
    const s = setup(0);
    const first = s.cache.get();
    await s.finish(0, 1);
    await first;
    s.tick(1e6);
    expect((await s.cache.get()).value).toBe(1);
    expect(s.builds()).toBe(1);
    const older = s.cache.refresh();
    const newer = s.cache.refresh();
    s.pending[2].resolve(3);
    expect((await newer).value).toBe(3);
    s.pending[1].resolve(2);
    expect((await older).value).toBe(3);
    expect((await s.cache.get()).value).toBe(3);
  });

  it('retries a failed first build on the next read, and keeps serving when a background rebuild fails', async () => {
    const s = setup(10);
    const failed = s.cache.get();
    s.pending[0].reject(new Error('no data'));
    await expect(failed).rejects.toThrow('no data');
    expect(s.cache.status()).toBeNull();
    const second = s.cache.get();
    await s.finish(1, 5);
    expect((await second).value).toBe(5);
    s.tick(10);
    expect((await s.cache.get()).value).toBe(5);
    s.pending[2].reject(new Error('store down'));
    await s.cache.idle();
    expect(s.warnings).toEqual(['counter: background rebuild failed']);
    expect((await s.cache.get()).value).toBe(5);
  });
  it('forgets an erased user in the model it serves and in a build already running, and rebuilds without them', async () => {
    const s = setup(0);
    const first = s.cache.get();
    await s.finish(0, 10);
    await first;
    // A build that read the store before the erasure is running when it happens.
    const running = s.cache.refresh();
    s.cache.forget((v) => v - 1);
    expect(s.cache.status()).toMatchObject({ stale: true });
    expect((await s.cache.get()).value).toBe(9);
    await s.finish(1, 20);
    expect((await running).value).toBe(19);
    // Still stale (it was built from the data as it was), even with no TTL: the next read rebuilds.
    expect(s.cache.status()).toMatchObject({ stale: true });
    expect((await s.cache.get()).value).toBe(19);
    expect(s.builds()).toBe(3);
    await s.finish(2, 30);
    expect((await s.cache.get()).value).toBe(30);
    expect(s.cache.status()).toMatchObject({ stale: false });
  });
});
