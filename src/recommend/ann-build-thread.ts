import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CurioError, RequestThread } from '../core/index.js';
import type { AnnBuildRequest, AnnBuildResult } from './ann-build-worker.js';
import { AnnIndex, DEFAULT_ANN_PARAMS, type BuildAnnOptions } from './ann-index.js';

/** The process's thread that builds HNSW graphs (see ann-build-worker.ts). */
const builder = new RequestThread<AnnBuildRequest, AnnBuildResult>(
  import.meta.url,
  'ann-build-worker',
  (error, died) =>
    new CurioError('INTERNAL', died ? `the HNSW build thread failed: ${error.message}` : `cannot build the HNSW index: ${error.message}`),
);

/**
 * Builds the same graph as `AnnIndex.build` (same embeddings, settings and insertion order) in a thread of
 * its own and reads it back asynchronously: the calling thread spends no CPU on it, so a serving process
 * keeps its latency while a new model's index is built.
 */
export async function buildAnnOffThread(options: Omit<BuildAnnOptions, 'yieldEveryMs'>): Promise<AnnIndex> {
  const { embeddings, dim } = options;
  if (!(dim >= 1 && embeddings.length > 0 && Number.isInteger(embeddings.length / dim))) {
    throw new CurioError('BAD_INPUT', `embeddings of length ${embeddings.length} do not hold whole rows of ${dim}`);
  }
  const params = { ...DEFAULT_ANN_PARAMS, ...options.params };
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'curio-ann-'));
  try {
    const path = join(dir, 'graph.hnsw');
    const copy = embeddings.slice();
    await builder.call(
      { embeddings: copy.buffer as ArrayBuffer, dim, m: params.m, efConstruction: params.efConstruction, seed: params.seed, path },
      [copy.buffer as ArrayBuffer],
    );
    return await AnnIndex.load({ path, embeddings, dim, params, origin: 'built', startedAt: started });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
