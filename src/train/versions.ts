import { v7 as uuidv7 } from 'uuid';
import { CurioError, yieldToLoop } from '../core/index.js';
import type { SequenceDataset } from '../data/index.js';
import { encodeServingArtifact, servingFromArtifact, type ServingModel } from '../recommend/index.js';
import { MODEL_TRACKS, type ModelTrack, type ModelVersion, type Store, type TrainingWindow } from '../store/index.js';
import { sha256 } from './checksum.js';
import { verifyServingBytes } from './verify.js';
import { verifyOffThread } from './verify-thread.js';

export { sha256, verifyServingBytes };

/** A version loaded and checked: what a serving process swaps in. */
export interface LoadedVersion extends ServingModel {
  version: ModelVersion;
}

/**
 * Reads a version's artifact from the store and verifies it (see verifyServingBytes). The hashing and
 * decoding run in a thread of their own, so a serving process keeps answering while a large model loads.
 */
export async function loadVersion(store: Store, version: ModelVersion): Promise<LoadedVersion> {
  const bytes = await store.modelArtifact(version.id);
  const source = `model version ${version.id}`;
  if (!bytes) throw new CurioError('BAD_INPUT', `${source} has no artifact`);
  // The thread checks everything verifyServingBytes checks, and works out what the restore below would
  // compute again (see derivedArrays): what is left here is copying weights into a net.
  const artifact = await verifyOffThread(bytes, version.checksum, source);
  await yieldToLoop();
  const served = servingFromArtifact(artifact, source);
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

/** How a version was trained and judged: what every track's versions are registered with. */
interface VersionFacts {
  window: TrainingWindow;
  trainSeconds: number;
  parentId: string | null;
  jobId: string | null;
  metrics: Record<string, number>;
  state: 'candidate' | 'rejected';
  reason?: string | null;
}

export interface NewVersion extends VersionFacts {
  served: ServingModel;
}

/** A version of any track: its model, and its artifact with the check a serving process will make of it. */
export interface NewTrackVersion extends VersionFacts {
  model: string;
  params: Record<string, unknown>;
  /** The artifact's bytes (not made for a version already rejected: nobody would read them). */
  encode: () => Buffer;
  /** Throws when a serving process would refuse these bytes. */
  verify: (bytes: Buffer, checksum: string) => void;
}

/**
 * Encodes, verifies (a model that would be refused at load is refused now) and registers a recommender
 * version; one registered as rejected is stored without its artifact.
 */
export function registerVersion(store: Store, v: NewVersion): Promise<ModelVersion> {
  const { served, ...facts } = v;
  return registerTrackVersion(store, {
    ...facts,
    model: served.model.id,
    params: { ...served.model.params },
    encode: () => encodeServingArtifact(served),
    verify: (bytes, checksum) => verifyServingBytes(bytes, { checksum, source: 'the new model' }),
  });
}

/** registerVersion for a version of any track (an image encoder's too). */
export async function registerTrackVersion(store: Store, v: NewTrackVersion): Promise<ModelVersion> {
  // A version the gate refused never serves: its record (metrics, reason) is kept, its bytes are not —
  // writing a large artifact holds the store's write lock, and nobody would read it.
  const bytes = v.state === 'rejected' ? Buffer.alloc(0) : v.encode();
  const checksum = sha256(bytes);
  let state = v.state;
  let reason = v.reason ?? null;
  if (state === 'candidate') {
    try {
      v.verify(bytes, checksum);
    } catch (error) {
      state = 'rejected';
      reason = `refused before serving: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const version: ModelVersion = {
    id: `mv-${uuidv7()}`,
    model: v.model,
    params: v.params,
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
 * The version a rollback of a track returns to: the newest one of the track that served before the current
 * one and is not rejected. NOT_FOUND when there is none.
 */
export async function previousServing(store: Store, track: ModelTrack = 'recommendations'): Promise<ModelVersion> {
  const current = await store.servingModelVersion(track);
  const earlier = (await store.listModelVersions({ state: 'retired', track, limit: 1000 }))
    .filter((v) => v.promotedAt !== null && v.id !== current?.id && !v.reason?.startsWith(ROLLED_BACK))
    .sort((a, b) => (b.promotedAt ?? '').localeCompare(a.promotedAt ?? ''));
  if (earlier.length === 0) throw new CurioError('NOT_FOUND', 'no earlier serving version to roll back to');
  return earlier[0];
}

/**
 * Deletes the oldest versions of each track beyond `keep`, never a serving one or the one a rollback would
 * return to. Returns the ids deleted.
 */
export async function pruneVersions(store: Store, keep: number): Promise<string[]> {
  const deleted: string[] = [];
  for (const track of MODEL_TRACKS) {
    const all = await store.listModelVersions({ track, limit: 100_000 });
    if (all.length <= keep) continue;
    const protectedIds = new Set<string>();
    const serving = all.find((v) => v.state === 'serving');
    if (serving) protectedIds.add(serving.id);
    const back = await previousServing(store, track).catch(() => null);
    if (back) protectedIds.add(back.id);
    for (const v of all.slice(keep)) {
      if (protectedIds.has(v.id)) continue;
      if (await store.deleteModelVersion(v.id)) deleted.push(v.id);
    }
  }
  return deleted;
}
