// The thread that builds HNSW graphs (started by `ann-build-thread.ts`). A build of a large catalogue takes
// seconds of CPU; on the request thread it delays every request that arrives meanwhile, however finely it
// is chunked, so a serving process builds here and reads the written graph back with hnswlib's
// asynchronous read (which runs in libuv's pool, not on the request thread).
import { parentPort } from 'node:worker_threads';
import hnswlib from 'hnswlib-node';
import { runBelowRequests, type ThreadReply } from '../core/threads.js';

// Only types leave this module: importing a value would run the worker's code on the importing thread.

export interface AnnBuildRequest {
  /** Row-major [items, dim] float32 (a copy, transferred). */
  embeddings: ArrayBuffer;
  dim: number;
  m: number;
  efConstruction: number;
  seed: number;
  /** Where the graph is written (hnswlib's format, read back with `readIndex`). */
  path: string;
}

export interface AnnBuildResult {
  built: true;
}

// A graph build takes seconds of CPU: where the cores are busy, requests come first.
runBelowRequests();

const port = parentPort!;
port.on('message', (request: AnnBuildRequest & { id: number }) => {
  try {
    const { dim } = request;
    const embeddings = new Float32Array(request.embeddings);
    const size = embeddings.length / dim;
    const hnsw = new hnswlib.HierarchicalNSW('ip', dim);
    hnsw.initIndex({ maxElements: size, m: request.m, efConstruction: request.efConstruction, randomSeed: request.seed });
    for (let i = 0; i < size; i++) hnsw.addPoint(Array.from(embeddings.subarray(i * dim, (i + 1) * dim)), i);
    hnsw.writeIndexSync(request.path);
    port.postMessage({ id: request.id, built: true } satisfies ThreadReply<AnnBuildResult>);
  } catch (error) {
    port.postMessage({
      id: request.id,
      error: { message: (error as Error).message ?? String(error) },
    } satisfies ThreadReply<AnnBuildResult>);
  }
});
