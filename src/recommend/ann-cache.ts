/**
 * Keeps an HNSW graph across snapshot refreshes and restarts instead of rebuilding it (a build costs far
 * more than a hash and a load; docs/serving.md): in memory (the last few graphs, so a rollback finds the
 * one it returns to) while the model's item embeddings are unchanged, and in a file with a JSON sidecar (beside a loaded model's artifact) that is used only when
 * everything the graph depends on matches.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { CurioError, parseOrThrow, yieldToLoop } from '../core/index.js';
import { buildAnnOffThread } from './ann-build-thread.js';
import { AnnIndex, DEFAULT_ANN_PARAMS, type AnnParams } from './ann-index.js';

/** Bumped when the sidecar or the way a graph is built changes meaning: files of another format are rebuilt. */
export const ANN_CACHE_FORMAT = 1;

/** The settings that shape the graph; efSearch is query-time and is applied to a loaded graph instead. */
const GRAPH_PARAMS = ['m', 'efConstruction', 'seed'] as const;
/** Hashing hands the event loop back between chunks of this size, so a request waits for one chunk's hash at most. */
const HASH_CHUNK_BYTES = 8 << 20;

const sidecarSchema = z.object({
  format: z.number().int(),
  items: z.number().int().positive(),
  dim: z.number().int().positive(),
  params: z.object({ m: z.number(), efConstruction: z.number(), efSearch: z.number(), seed: z.number() }),
  /** sha256 of the embeddings' float32 bytes (`fingerprintEmbeddings`). */
  embeddingsSha256: z.string(),
  /** Size and sha256 of the index file: a truncated, corrupt or swapped file is never handed to hnswlib. */
  indexBytes: z.number().int().nonnegative(),
  indexSha256: z.string(),
  savedAt: z.string(),
});
export type AnnSidecar = z.infer<typeof sidecarSchema>;

/** What a saved graph must have been built from to serve these embeddings. */
export interface AnnCacheKey {
  items: number;
  dim: number;
  params: AnnParams;
  embeddingsSha256: string;
}

/** Graphs kept in memory: the serving model's, the one it replaced (a rollback) and one more. */
const MEMO_GRAPHS = 3;

/**
 * The last indexes obtained, newest first, so the next snapshot reuses one when the embeddings have not
 * changed, and a rollback to the version served before finds its graph without a build.
 */
export interface AnnMemo {
  recent?: Array<{ key: string; index: AnnIndex }>;
}

export type AnnWarn = (message: string, error: unknown) => void;

export interface ObtainAnnOptions {
  embeddings: Float32Array;
  dim: number;
  params?: Partial<AnnParams>;
  /** The index file (its sidecar is `<path>.json`); none = memory reuse only. */
  path?: string;
  memo?: AnnMemo;
  /** Told about unreadable or corrupt files (then rebuilt) and failed saves; never thrown. */
  warn: AnnWarn;
  /**
   * Where a new graph is built: 'thread' (default) in a thread of its own, so the caller's requests do not
   * wait; 'here' on the calling thread in chunks of `yieldEveryMs` (what a one-off tool may prefer).
   */
  build?: 'thread' | 'here';
  yieldEveryMs?: number;
}

export interface ObtainedAnn {
  index: AnnIndex;
  source: 'memory' | 'file' | 'built';
  /** Wall time of the whole call, hashing included. */
  seconds: number;
  /** Why a saved graph was not used when the index was built. */
  rebuiltBecause?: string;
}

/** The sidecar's path for an index file. */
export function sidecarPathOf(indexPath: string): string {
  return `${indexPath}.json`;
}

/** sha256 (hex) of the embeddings' bytes, hashed in chunks that hand the event loop back. */
export async function fingerprintEmbeddings(embeddings: Float32Array): Promise<string> {
  const hash = createHash('sha256');
  const bytes = new Uint8Array(embeddings.buffer, embeddings.byteOffset, embeddings.byteLength);
  for (let at = 0; at < bytes.length; at += HASH_CHUNK_BYTES) {
    hash.update(bytes.subarray(at, at + HASH_CHUNK_BYTES));
    if (at + HASH_CHUNK_BYTES < bytes.length) await yieldToLoop();
  }
  return hash.digest('hex');
}

async function hashFile(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Why a saved graph cannot serve `want`, or null when it can. */
export function sidecarMismatch(saved: AnnSidecar, want: AnnCacheKey): string | null {
  if (saved.format !== ANN_CACHE_FORMAT) return `it has format ${saved.format}, this version writes ${ANN_CACHE_FORMAT}`;
  if (saved.items !== want.items || saved.dim !== want.dim)
    return `it holds ${saved.items} × ${saved.dim}, the model ${want.items} × ${want.dim}`;
  for (const key of GRAPH_PARAMS) {
    if (saved.params[key] !== want.params[key]) return `it was built with ${key} ${saved.params[key]}, the setting is ${want.params[key]}`;
  }
  if (saved.embeddingsSha256 !== want.embeddingsSha256) return "the model's item embeddings changed";
  return null;
}

/** The sidecar of `indexPath`, null when there is none; throws when it is unreadable or malformed. */
async function readSidecar(indexPath: string): Promise<AnnSidecar | null> {
  let text: string;
  try {
    text = await readFile(sidecarPathOf(indexPath), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return parseOrThrow(sidecarSchema, JSON.parse(text), { message: `${sidecarPathOf(indexPath)} is not an HNSW index sidecar` });
}

/**
 * The graph saved at `path` when its sidecar matches `want` ({ reason } when there is none or it does not
 * match); throws when the files are unreadable, corrupt or replaced while being read.
 */
export async function readAnnCache(
  path: string,
  want: AnnCacheKey,
  embeddings: Float32Array,
): Promise<{ index: AnnIndex } | { reason: string }> {
  const sidecar = await readSidecar(path);
  if (!sidecar) return { reason: 'no saved index' };
  const mismatch = sidecarMismatch(sidecar, want);
  if (mismatch) return { reason: mismatch };
  const before = await stat(path);
  const file = await hashFile(path);
  if (file.bytes !== sidecar.indexBytes || file.sha256 !== sidecar.indexSha256) {
    throw new CurioError(
      'BAD_INPUT',
      `${path} (${file.bytes} bytes) does not match its sidecar (${sidecar.indexBytes} bytes): truncated or corrupt`,
    );
  }
  const index = await AnnIndex.load({ path, embeddings, dim: want.dim, params: want.params });
  const after = await stat(path);
  if (after.ino !== before.ino || after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
    throw new CurioError('CONFLICT', `${path} was replaced while it was being read`);
  }
  return { index };
}

/**
 * Saves `index` at `path` with its sidecar: each is written to a temporary file and renamed over the old
 * one, so a crash leaves either the old files or the new ones, never a half-written index. A crash between
 * the two renames leaves a sidecar whose hash does not match the index: a rebuild, not a wrong graph.
 */
export async function writeAnnCache(index: AnnIndex, path: string, embeddingsSha256: string): Promise<AnnSidecar> {
  const tag = `.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
  const sidePath = sidecarPathOf(path);
  const temps = [`${path}${tag}`, `${sidePath}${tag}`];
  try {
    await index.save(temps[0]);
    const file = await hashFile(temps[0]);
    const sidecar: AnnSidecar = {
      format: ANN_CACHE_FORMAT,
      items: index.size,
      dim: index.dim,
      params: { ...index.params },
      embeddingsSha256,
      indexBytes: file.bytes,
      indexSha256: file.sha256,
      savedAt: new Date().toISOString(),
    };
    await writeFile(temps[1], `${JSON.stringify(sidecar, null, 2)}\n`);
    await rename(temps[0], path);
    await rename(temps[1], sidePath);
    return sidecar;
  } finally {
    await Promise.all(temps.map((t) => unlink(t).catch(() => undefined)));
  }
}

/** Identifies a graph: the same key builds the same graph (hnswlib's build is seeded). */
function graphKey(embeddingsSha256: string, dim: number, params: AnnParams): string {
  return JSON.stringify([embeddingsSha256, dim, ...GRAPH_PARAMS.map((k) => params[k])]);
}

/**
 * The index for `embeddings`: the memo's when its graph was built from the same embeddings and settings,
 * else the file's when its sidecar matches, else a new build (in a thread of its own unless told otherwise;
 * then saved to the file). Unreadable or
 * corrupt files and failed saves are reported through `warn` and never fail the call.
 */
export async function obtainAnnIndex(options: ObtainAnnOptions): Promise<ObtainedAnn> {
  const started = performance.now();
  const { embeddings, dim, path, memo, warn } = options;
  const params = { ...DEFAULT_ANN_PARAMS, ...options.params };
  const want: AnnCacheKey = { items: embeddings.length / dim, dim, params, embeddingsSha256: await fingerprintEmbeddings(embeddings) };
  const key = graphKey(want.embeddingsSha256, dim, params);
  const done = (index: AnnIndex, source: ObtainedAnn['source'], rebuiltBecause?: string): ObtainedAnn => {
    if (memo) memo.recent = [{ key, index }, ...(memo.recent ?? []).filter((g) => g.key !== key)].slice(0, MEMO_GRAPHS);
    return { index, source, seconds: (performance.now() - started) / 1000, ...(rebuiltBecause ? { rebuiltBecause } : {}) };
  };
  const kept = memo?.recent?.find((g) => g.key === key);
  if (kept) {
    const index = kept.index.withEmbeddings(embeddings);
    index.setEfSearch(params.efSearch);
    return done(index, 'memory');
  }
  let reason = 'no index file configured';
  if (path) {
    try {
      const cached = await readAnnCache(path, want, embeddings);
      if ('index' in cached) return done(cached.index, 'file');
      reason = cached.reason;
    } catch (error) {
      warn(`the saved HNSW index ${path} is unreadable or corrupt; rebuilding it`, error);
      reason = 'the saved index is unreadable or corrupt';
    }
  }
  const index =
    options.build === 'here'
      ? await AnnIndex.build({ embeddings, dim, params, yieldEveryMs: options.yieldEveryMs })
      : await buildAnnOffThread({ embeddings, dim, params });
  if (path) {
    await writeAnnCache(index, path, want.embeddingsSha256).catch((error: unknown) => {
      warn(`cannot save the HNSW index to ${path}; it will be rebuilt at the next start`, error);
    });
  }
  return done(index, 'built', reason);
}
