import type { Worker } from 'node:worker_threads';
import { CurioError, startModuleWorker, type ErrorCode } from '../core/index.js';
import type { ModelArtifact } from '../models/index.js';
import type { VerifyReply, VerifyRequest } from './verify-worker.js';

/**
 * The process's thread that checks version artifacts (see verify-worker.ts). Started once and kept (a
 * thread takes long to start, longer than a rollback may take); it holds the process open only while a
 * check is in flight.
 */
let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, { resolve: (a: ModelArtifact) => void; reject: (e: Error) => void }>();

function thread(): Worker {
  if (worker) return worker;
  const started = startModuleWorker(import.meta.url, 'verify-worker');
  started.unref();
  started.on('message', (reply: VerifyReply) => {
    const entry = pending.get(reply.id);
    if (!entry) return;
    pending.delete(reply.id);
    if (pending.size === 0) started.unref();
    if ('artifact' in reply) entry.resolve(reply.artifact);
    else entry.reject(new CurioError((reply.error.code as ErrorCode | undefined) ?? 'BAD_INPUT', reply.error.message));
  });
  const fail = (error: Error) => {
    worker = null;
    for (const entry of pending.values()) entry.reject(new CurioError('UNAVAILABLE', `the artifact check failed: ${error.message}`));
    pending.clear();
  };
  started.on('error', fail);
  started.on('exit', () => fail(new Error('its thread stopped')));
  worker = started;
  return started;
}

/** Starts the thread now, so the first promotion does not wait for it. */
export function warmVerifyThread(): void {
  thread();
}

/**
 * Checks a version's bytes off this thread and resolves with the decoded artifact; BAD_INPUT (or the code
 * the check raised) when they are damaged. The bytes are handed over, not copied: do not use them after.
 */
export function verifyOffThread(bytes: Buffer, checksum: string, source: string): Promise<ModelArtifact> {
  const w = thread();
  const id = nextId++;
  // A Buffer may be a view into a larger pooled allocation: send exactly its bytes.
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : Buffer.from(bytes);
  const request: VerifyRequest = { id, bytes: own.buffer as ArrayBuffer, byteLength: own.byteLength, checksum, source };
  return new Promise<ModelArtifact>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref();
    w.postMessage(request, [request.bytes]);
  });
}
