// The thread that checks version artifact bytes (started by `verify-thread.ts`): the sha256 against the
// registry, the artifact's own checksum, its decoding and every weight finite. Hashing and copying a large
// model take long enough to be felt by requests, so a serving process does it here; only the decoded
// arrays come back (transferred, not copied).
import { parentPort } from 'node:worker_threads';
import type { ThreadReply } from '../core/threads.js';
import { assertFiniteArtifact, decodeArtifact, type ModelArtifact } from '../models/artifact.js';
import { sha256 } from './checksum.js';

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

const port = parentPort!;
port.on('message', (request: VerifyRequest & { id: number }) => {
  try {
    const bytes = Buffer.from(request.bytes, 0, request.byteLength);
    if (sha256(bytes) !== request.checksum)
      throw Object.assign(new Error(`${request.source}: checksum mismatch (the artifact is damaged)`), { code: 'BAD_INPUT' });
    const artifact = decodeArtifact(bytes, request.source);
    assertFiniteArtifact(artifact);
    port.postMessage(
      { id: request.id, artifact } satisfies ThreadReply<VerifyResult>,
      Object.values(artifact.arrays).map((a) => a.buffer as ArrayBuffer),
    );
  } catch (error) {
    const e = error as { message?: string; code?: string };
    port.postMessage({ id: request.id, error: { message: e.message ?? String(error), code: e.code } } satisfies ThreadReply<VerifyResult>);
  }
});
