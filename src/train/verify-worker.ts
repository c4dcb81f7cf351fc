// The thread that checks version artifact bytes (started by `verify-thread.ts`): everything
// verifyServingBytes checks (the sha256 against the registry, decoding, every weight finite, a restore that
// scores without NaN). Hashing, decoding and a trial forward pass take long enough to be felt by requests,
// so a serving process does them here. The decoded arrays come back (transferred, not copied) with what the
// restored model worked out from them (derivedArrays), so the serving thread's restore only copies weights.
import { parentPort } from 'node:worker_threads';
import { runBelowRequests, type ThreadReply } from '../core/threads.js';
import type { ModelArtifact } from '../models/artifact.js';
import { isSequentialRecommender } from '../models/seq-model.js';
import { verifiedArtifact } from './verify.js';

// Only types leave this module: importing a value would run the worker's code on the importing thread.

export interface VerifyRequest {
  bytes: ArrayBuffer;
  byteLength: number;
  checksum: string;
  source: string;
}

export interface VerifyResult {
  artifact: ModelArtifact;
}

// Checking a version takes a CPU-heavy second or so: where the cores are busy, requests come first.
runBelowRequests();

const port = parentPort!;
port.on('message', (request: VerifyRequest & { id: number }) => {
  try {
    const bytes = Buffer.from(request.bytes, 0, request.byteLength);
    const { artifact: decoded, served } = verifiedArtifact(bytes, { checksum: request.checksum, source: request.source });
    const derived = isSequentialRecommender(served.model) ? served.model.derivedArrays() : {};
    const artifact: ModelArtifact = { ...decoded, arrays: { ...decoded.arrays, ...derived } };
    port.postMessage(
      { id: request.id, artifact } satisfies ThreadReply<VerifyResult>,
      Object.values(artifact.arrays).map((a) => a.buffer as ArrayBuffer),
    );
  } catch (error) {
    const e = error as { message?: string; code?: string };
    port.postMessage({ id: request.id, error: { message: e.message ?? String(error), code: e.code } } satisfies ThreadReply<VerifyResult>);
  }
});
