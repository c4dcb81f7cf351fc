import { beforeAll, describe, expect, it } from 'vitest';
import { CurioError } from '../core/index.js';
import { AnnIndex } from './ann-index.js';
import { clusteredEmbeddings } from '../../test/support/ann-synthetic.js';

const ITEMS = 20_000;
const DIM = 32;
const K = 50;

/** The reference: every item's dot product, fully sorted (ties: lower index). */
function bruteForce(embeddings: Float32Array, query: Float32Array, k: number, allowed: (i: number) => boolean = () => true): number[] {
  const scored: Array<[number, number]> = [];
  for (let i = 0; i < embeddings.length / DIM; i++) {
    if (!allowed(i)) continue;
    let s = 0;
    for (let d = 0; d < DIM; d++) s += query[d] * embeddings[i * DIM + d];
    scored.push([i, s]);
  }
  return scored
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, k)
    .map(([i]) => i);
}

describe('AnnIndex', () => {
  const { embeddings, queries } = clusteredEmbeddings({ items: ITEMS, dim: DIM, clusters: 100, seed: 11, queries: 40 });
  let index: AnnIndex;
  beforeAll(async () => {
    index = await AnnIndex.build({ embeddings, dim: DIM });
  });

  it('finds at least 95% of the exact top-50 by dot product, best first with exact scores', () => {
    let found = 0;
    for (const q of queries) {
      const truth = new Set(bruteForce(embeddings, q, K));
      const hits = index.search(q, K);
      expect(hits).toHaveLength(K);
      for (let r = 1; r < hits.length; r++) expect(hits[r - 1].score).toBeGreaterThanOrEqual(hits[r].score);
      expect(hits[0].score).toBe(index.score(q, hits[0].index));
      found += hits.filter((h) => truth.has(h.index)).length;
    }
    expect(found / (K * queries.length)).toBeGreaterThanOrEqual(0.95);
  });

  it('never returns an excluded item and still returns k when enough are allowed', () => {
    for (const q of queries.slice(0, 10)) {
      // Exclude the exact top-20 and every third item: the graph has to walk past the best region.
      const excluded = new Set(bruteForce(embeddings, q, 20));
      const allowed = (i: number) => i % 3 !== 0 && !excluded.has(i);
      const hits = index.search(q, K, allowed);
      expect(hits).toHaveLength(K);
      expect(hits.every((h) => allowed(h.index))).toBe(true);
      const truth = new Set(bruteForce(embeddings, q, K, allowed));
      expect(hits.filter((h) => truth.has(h.index)).length).toBeGreaterThanOrEqual(0.9 * K);
    }
  });

  it('scores the allowed items exactly when the filter lets few through', () => {
    const q = queries[0];
    const few = (i: number) => i % 500 === 7; // 40 of 20k items
    expect(index.search(q, K, few).map((h) => h.index)).toEqual(bruteForce(embeddings, q, K, few));
    expect(index.search(q, 5, (i) => i === 123).map((h) => h.index)).toEqual([123]);
    expect(index.search(q, K, () => false)).toEqual([]);
  });

  it('rejects a query of the wrong width and embeddings that are not whole rows', async () => {
    expect(() => index.search(new Float32Array(DIM + 1), 5)).toThrow(CurioError);
    await expect(AnnIndex.build({ embeddings: new Float32Array(10), dim: 3 })).rejects.toThrow(CurioError);
  });
});

describe('AnnIndex build', () => {
  it('builds the same graph from the same embeddings and seed, and hands the event loop back while building', async () => {
    const { embeddings, queries } = clusteredEmbeddings({ items: 3000, dim: 16, clusters: 20, seed: 3, queries: 5 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const a = await AnnIndex.build({ embeddings, dim: 16, params: { m: 8, efSearch: 10 }, yieldEveryMs: 0 });
    clearInterval(timer);
    const b = await AnnIndex.build({ embeddings, dim: 16, params: { m: 8, efSearch: 10 } });
    expect(ticks).toBeGreaterThan(0);
    for (const q of queries) expect(a.search(q, 20)).toEqual(b.search(q, 20));
  });
});
