import { describe, expect, it } from 'vitest';
import { BACKGROUND_NICE, CurioError } from '../core/index.js';
import { buildAnnOffThread } from './ann-build-thread.js';
import { AnnIndex } from './ann-index.js';
import { clusteredEmbeddings } from '../../test/support/ann-synthetic.js';
import { THREADS_VISIBLE, threadNices } from '../../test/support/threads.js';

describe('buildAnnOffThread', () => {
  it('builds the graph AnnIndex.build builds, in a thread of its own', async () => {
    const { embeddings, queries } = clusteredEmbeddings({ items: 3000, dim: 16, clusters: 20, seed: 5, queries: 8 });
    const params = { m: 8, efSearch: 10 };
    const here = await AnnIndex.build({ embeddings, dim: 16, params });
    const away = await buildAnnOffThread({ embeddings, dim: 16, params });
    expect(away.origin.source).toBe('built');
    expect(away.size).toBe(3000);
    expect(away.params.efSearch).toBe(10);
    for (const q of queries) expect(away.search(q, 20)).toEqual(here.search(q, 20));
  });

  it('leaves the calling thread free while it builds', async () => {
    // Large enough that the build takes far longer than any stall a tick could see.
    const { embeddings } = clusteredEmbeddings({ items: 20_000, dim: 32, clusters: 50, seed: 6, queries: 1 });
    let last = performance.now();
    let longest = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 1);
    const started = performance.now();
    await buildAnnOffThread({ embeddings, dim: 32, params: { m: 16, efConstruction: 100 } });
    const took = performance.now() - started;
    clearInterval(timer);
    // Built on this thread in 20 ms slices, the build would hold it for all of `took` minus the ticks between.
    expect(took).toBeGreaterThan(300);
    expect(longest).toBeLessThan(Math.min(150, took / 3));
  });

  it.runIf(THREADS_VISIBLE)('builds below request handling, which keeps its priority', async () => {
    const { embeddings } = clusteredEmbeddings({ items: 500, dim: 8, clusters: 5, seed: 7, queries: 1 });
    await buildAnnOffThread({ embeddings, dim: 8 });
    // This test's process starts no other background thread: the one at the background nice is the builder.
    const nices = threadNices();
    expect([...nices.values()]).toContain(BACKGROUND_NICE);
    expect(nices.get(process.pid)).toBe(0);
  });

  it('refuses embeddings that are not whole rows', async () => {
    await expect(buildAnnOffThread({ embeddings: new Float32Array(10), dim: 3 })).rejects.toThrow(CurioError);
  });
});
