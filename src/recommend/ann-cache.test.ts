import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CurioError } from '../core/index.js';
import { obtainAnnIndex, sidecarPathOf, type AnnMemo, type AnnSidecar, type ObtainAnnOptions } from './ann-cache.js';
import { AnnIndex } from './ann-index.js';
import { clusteredEmbeddings } from '../../test/support/ann-synthetic.js';

const DIM = 16;
const K = 20;
const PARAMS = { m: 8, efConstruction: 40, efSearch: 32, seed: 5 };
const { embeddings, queries } = clusteredEmbeddings({ items: 2000, dim: DIM, clusters: 20, seed: 21, queries: 10 });

const topKOf = (index: AnnIndex) => queries.map((q) => index.search(q, K));

describe('obtainAnnIndex', () => {
  let dir: string;
  let path: string;
  let warn: ReturnType<typeof vi.fn<ObtainAnnOptions['warn']>>;
  const obtain = (extra: Partial<ObtainAnnOptions> = {}) => obtainAnnIndex({ embeddings, dim: DIM, params: PARAMS, path, warn, ...extra });
  const sidecar = async (): Promise<AnnSidecar> => JSON.parse(await readFile(sidecarPathOf(path), 'utf8')) as AnnSidecar;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'curio-ann-cache-'));
    path = join(dir, 'model.curio.hnsw');
    warn = vi.fn<ObtainAnnOptions['warn']>();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('saves a built index with its sidecar and loads it back with the same top-k', async () => {
    const built = await obtain();
    expect(built.source).toBe('built');
    expect(built.rebuiltBecause).toBe('no saved index');
    expect((await readdir(dir)).sort()).toEqual(['model.curio.hnsw', 'model.curio.hnsw.json']); // no temp files left
    expect(await sidecar()).toMatchObject({ format: 1, items: 2000, dim: DIM, params: PARAMS });
    const loaded = await obtain({ embeddings: embeddings.slice() }); // a restart: the model's own copy
    expect(loaded.source).toBe('file');
    expect(loaded.index.origin.source).toBe('loaded');
    expect(loaded.index.params).toEqual(PARAMS);
    expect(topKOf(loaded.index)).toEqual(topKOf(built.index));
    expect(warn).not.toHaveBeenCalled();
  });

  it('rebuilds and overwrites the file when one embedding value changed', async () => {
    await obtain();
    const before = (await sidecar()).embeddingsSha256;
    const changed = embeddings.slice();
    changed[1234] += 0.5;
    const rebuilt = await obtain({ embeddings: changed });
    expect(rebuilt.source).toBe('built');
    expect(rebuilt.rebuiltBecause).toMatch(/embeddings changed/);
    expect((await sidecar()).embeddingsSha256).not.toBe(before);
    expect((await obtain({ embeddings: changed })).source).toBe('file');
    expect(warn).not.toHaveBeenCalled();
  });

  it('rebuilds when a setting that shapes the graph changed, and applies a new efSearch to the saved graph', async () => {
    await obtain();
    expect((await obtain({ params: { ...PARAMS, m: 12 } })).rebuiltBecause).toMatch(/m 8.*12/);
    expect((await obtain({ params: { ...PARAMS, m: 12, seed: 6 } })).rebuiltBecause).toMatch(/seed 5.*6/);
    const wider = await obtain({ params: { ...PARAMS, m: 12, seed: 6, efSearch: 64 } });
    expect(wider.source).toBe('file');
    expect(wider.index.params.efSearch).toBe(64);
  });

  it('warns and rebuilds when the index file is truncated, flipped or missing, or the sidecar is garbage', async () => {
    const reference = topKOf((await obtain()).index);
    const damages: Array<() => Promise<void>> = [
      () => truncate(path, 1000),
      async () => {
        const bytes = await readFile(path);
        bytes[bytes.length >> 1] ^= 0xff;
        await writeFile(path, bytes);
      },
      () => rm(path),
      () => writeFile(sidecarPathOf(path), '{"format": 1, "items": '),
      async () => writeFile(sidecarPathOf(path), JSON.stringify({ ...(await sidecar()), dim: 'sixteen' })),
    ];
    for (const damage of damages) {
      await damage();
      warn.mockClear();
      const rebuilt = await obtain();
      expect(rebuilt.source).toBe('built');
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toMatch(/unreadable or corrupt; rebuilding/);
      expect(topKOf(rebuilt.index)).toEqual(reference);
      expect((await obtain()).source).toBe('file'); // the rebuild replaced the damaged files
    }
  });

  it('warns and still serves when the index cannot be saved', async () => {
    const result = await obtain({ path: join(dir, 'missing-dir', 'model.hnsw') });
    expect(result.source).toBe('built');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/cannot save/);
    expect(result.index.search(queries[0], K)).toHaveLength(K);
  });

  it('reuses the previous index from memory while the embeddings are unchanged, over the new copy', async () => {
    const memo: AnnMemo = {};
    const first = await obtain({ path: undefined, memo });
    expect(first.rebuiltBecause).toBe('no index file configured');
    const copy = embeddings.slice();
    const again = await obtain({ path: undefined, memo, embeddings: copy });
    expect(again.source).toBe('memory');
    expect(topKOf(again.index)).toEqual(topKOf(first.index));
    copy[0] = 99; // the reused index reads the new copy for its exact scores
    expect(again.index.score(queries[0], 0)).not.toBe(first.index.score(queries[0], 0));
    const changed = embeddings.slice();
    changed[7] -= 0.25;
    expect((await obtain({ path: undefined, memo, embeddings: changed })).source).toBe('built');
    expect((await obtain({ path: undefined, memo, params: { ...PARAMS, efConstruction: 60 } })).source).toBe('built');
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('AnnIndex.load', () => {
  it('rejects a truncated file with a CurioError instead of crashing, even with no sidecar to catch it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'curio-ann-load-'));
    try {
      const path = join(dir, 'g.hnsw');
      const index = await AnnIndex.build({ embeddings, dim: DIM, params: PARAMS });
      await index.save(path);
      await truncate(path, 5000);
      await expect(AnnIndex.load({ path, embeddings, dim: DIM, params: PARAMS })).rejects.toThrow(CurioError);
      const other = clusteredEmbeddings({ items: 100, dim: DIM, clusters: 5, seed: 1, queries: 0 }).embeddings;
      await index.save(path);
      await expect(AnnIndex.load({ path, embeddings: other, dim: DIM, params: PARAMS })).rejects.toThrow(/holds 2000 items/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
