import { v7 as uuidv7 } from 'uuid';
import { CurioError, yieldToLoop } from '../core/index.js';
import type { SequenceDataset } from '../data/index.js';
import { assertFiniteArtifact, decodeArtifact } from '../models/index.js';
import { encodeServingArtifact, servingFromArtifact, type ServingModel } from '../recommend/index.js';
import type { ModelVersion, Store, TrainingWindow } from '../store/index.js';
import { sha256 } from './checksum.js';
import { verifyOffThread } from './verify-thread.js';

export { sha256 };

/** A version loaded and checked: what a serving process swaps in. */
export interface LoadedVersion extends ServingModel {
  version: ModelVersion;
}

/**
 * Everything that must hold before a model may serve: the bytes are the ones registered (checksum), they
 * decode and restore, every weight is finite, the item count matches its ids, and it scores an empty and
 * a one-item state without NaN. Throws BAD_INPUT naming what failed.
 */
export function verifyServingBytes(bytes: Buffer, expected: { checksum: string; source: string }): ServingModel {
  if (sha256(bytes) !== expected.checksum)
    throw new CurioError('BAD_INPUT', `${expected.source}: checksum mismatch (the artifact is damaged)`);
  const artifact = decodeArtifact(bytes, expected.source);
  assertFiniteArtifact(artifact);
  const served = servingFromArtifact(artifact, expected.source);
  checkScores(served, expected.source);
  return served;
}

/** A model that scores NaN (or returns the wrong length) must never serve. */
export function checkScores(served: ServingModel, source: string): void {
  const { model } = served;
  if (model.nItems !== served.itemIds.length) {
    throw new CurioError('BAD_INPUT', `${source}: the model has ${model.nItems} items but ${served.itemIds.length} item ids`);
  }
  if (model.nItems === 0) return;
  for (const items of [new Int32Array(0), Int32Array.of(0)]) {
    const scores = model.scoreAll({ items });
    if (scores.length !== model.nItems)
      throw new CurioError('BAD_INPUT', `${source}: scored ${scores.length} items, expected ${model.nItems}`);
    for (let i = 0; i < scores.length; i++) {
      if (Number.isNaN(scores[i])) throw new CurioError('BAD_INPUT', `${source}: scores NaN for item ${served.itemIds[i]}`);
    }
  }
}

/**
 * Reads a version's artifact from the store and verifies it (see verifyServingBytes). The hashing and
 * decoding run in a thread of their own, so a serving process keeps answering while a large model loads.
 */
export async function loadVersion(store: Store, version: ModelVersion): Promise<LoadedVersion> {
  const bytes = await store.modelArtifact(version.id);
  const source = `model version ${version.id}`;
  if (!bytes) throw new CurioError('BAD_INPUT', `${source} has no artifact`);
  const artifact = await verifyOffThread(bytes, version.checksum, source);
  // What is left runs on the request thread: each step hands it back before the next.
  await yieldToLoop();
  const served = servingFromArtifact(artifact, source);
  await yieldToLoop();
  checkScores(served, source);
  return { ...served, version };
}

/** The events a model was trained on. */
export function trainingWindow(ds: SequenceDataset): TrainingWindow {
  let last = Number.NEGATIVE_INFINITY;
  for (const t of ds.timestampsMs) if (t > last) last = t;
  return {
    events: ds.itemIdx.length,
    users: ds.offsets.length - 1,
    items: ds.items.length,
    lastEventAt: Number.isFinite(last) ? new Date(last).toISOString() : null,
  };
}

export interface NewVersion {
  served: ServingModel;
  window: TrainingWindow;
  trainSeconds: number;
  parentId: string | null;
  jobId: string | null;
  metrics: Record<string, number>;
  state: 'candidate' | 'rejected';
  reason?: string;
}

/**
 * Encodes, verifies (a model that would be refused at load is refused now) and registers a version; one
 * registered as rejected is stored without its artifact.
 */
export async function registerVersion(store: Store, v: NewVersion): Promise<ModelVersion> {
  // A version the gate refused never serves: its record (metrics, reason) is kept, its bytes are not —
  // writing a large artifact holds the store's write lock, and nobody would read it.
  const bytes = v.state === 'rejected' ? Buffer.alloc(0) : encodeServingArtifact(v.served);
  const checksum = sha256(bytes);
  let state = v.state;
  let reason = v.reason ?? null;
  if (state === 'candidate') {
    try {
      verifyServingBytes(bytes, { checksum, source: 'the new model' });
    } catch (error) {
      state = 'rejected';
      reason = `refused before serving: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const version: ModelVersion = {
    id: `mv-${uuidv7()}`,
    model: v.served.model.id,
    params: { ...v.served.model.params },
    window: v.window,
    trainedAt: new Date().toISOString(),
    trainSeconds: v.trainSeconds,
    parentId: v.parentId,
    jobId: v.jobId,
    metrics: v.metrics,
    checksum,
    sizeBytes: bytes.length,
    state,
    reason,
    promotedAt: null,
  };
  await store.addModelVersion(version, bytes);
  return version;
}

/** The reason a rolled-back version is retired with; such a version is never a rollback's target. */
export const ROLLED_BACK = 'rolled back';

/**
 * The version a rollback returns to: the newest one that served before the current one and is not
 * rejected. NOT_FOUND when there is none.
 */
export async function previousServing(store: Store): Promise<ModelVersion> {
  const current = await store.servingModelVersion();
  const earlier = (await store.listModelVersions({ state: 'retired', limit: 1000 }))
    .filter((v) => v.promotedAt !== null && v.id !== current?.id && !v.reason?.startsWith(ROLLED_BACK))
    .sort((a, b) => (b.promotedAt ?? '').localeCompare(a.promotedAt ?? ''));
  if (earlier.length === 0) throw new CurioError('NOT_FOUND', 'no earlier serving version to roll back to');
  return earlier[0];
}

/**
 * Deletes the oldest versions beyond `keep`, never the serving one or the one a rollback would return to.
 * Returns the ids deleted.
 */
export async function pruneVersions(store: Store, keep: number): Promise<string[]> {
  const all = await store.listModelVersions({ limit: 100_000 });
  if (all.length <= keep) return [];
  const protectedIds = new Set<string>();
  const serving = all.find((v) => v.state === 'serving');
  if (serving) protectedIds.add(serving.id);
  const back = await previousServing(store).catch(() => null);
  if (back) protectedIds.add(back.id);
  const deleted: string[] = [];
  for (const v of all.slice(keep)) {
    if (protectedIds.has(v.id)) continue;
    if (await store.deleteModelVersion(v.id)) deleted.push(v.id);
  }
  return deleted;
}
