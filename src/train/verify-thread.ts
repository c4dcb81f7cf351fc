import { CurioError, RequestThread, type ErrorCode } from '../core/index.js';
import type { ModelArtifact } from '../models/index.js';
import type { VerifyRequest, VerifyResult } from './verify-worker.js';

/** The process's thread that checks version artifacts (see verify-worker.ts). */
const verifier = new RequestThread<VerifyRequest, VerifyResult>(import.meta.url, 'verify-worker', (error, died) =>
  died
    ? new CurioError('UNAVAILABLE', `the artifact check failed: ${error.message}`)
    : new CurioError((error.code as ErrorCode | undefined) ?? 'BAD_INPUT', error.message),
);

/** Starts the thread now, so the first promotion does not wait for it. */
export function warmVerifyThread(): void {
  verifier.warm();
}

/**
 * Checks a version's bytes off this thread and resolves with the decoded artifact; BAD_INPUT (or the code
 * the check raised) when they are damaged. The bytes are handed over, not copied: do not use them after.
 */
export async function verifyOffThread(bytes: Buffer, checksum: string, source: string): Promise<ModelArtifact> {
  // A Buffer may be a view into a larger pooled allocation: send exactly its bytes.
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : Buffer.from(bytes);
  const request: VerifyRequest = { bytes: own.buffer as ArrayBuffer, byteLength: own.byteLength, checksum, source };
  return (await verifier.call(request, [request.bytes])).artifact;
}
