import { CurioError } from '../core/index.js';
import { modelTrack, type ModelTrack, type ModelVersion, type Store } from '../store/index.js';
import { loadEncoderVersion } from './pictures-job.js';
import type { ServingWatcher } from './serving-watcher.js';
import { loadVersion, previousServing, ROLLED_BACK } from './versions.js';

/**
 * Promotes a version by hand (`POST /v1/admin/models/:id/promote`, `curio models promote`): it is loaded
 * and verified first, so a version that would be refused never becomes the serving one of its track; a
 * process with a watcher swaps a recommender in at once, the others (and every encoder watcher) at their
 * next poll.
 */
export async function promoteVersion(store: Store, id: string, watcher?: ServingWatcher): Promise<ModelVersion> {
  const version = await store.getModelVersion(id);
  if (!version) throw new CurioError('NOT_FOUND', `no model version ${id}`);
  if (version.state === 'rejected') throw new CurioError('CONFLICT', `model version ${id} was rejected: ${version.reason ?? ''}`);
  await serveVersion(store, version, `replaced by ${id} (promoted by hand)`, watcher);
  return (await store.getModelVersion(id))!;
}

/** Serves again the track's version that served before the current one; the current one is retired as rolled back. */
export async function rollbackVersion(
  store: Store,
  watcher?: ServingWatcher,
  track: ModelTrack = 'recommendations',
): Promise<{ from: string | null; to: ModelVersion }> {
  const current = await store.servingModelVersion(track);
  const target = await previousServing(store, track);
  await serveVersion(store, target, `${ROLLED_BACK} to ${target.id}`, watcher);
  return { from: current?.id ?? null, to: (await store.getModelVersion(target.id))! };
}

async function serveVersion(store: Store, version: ModelVersion, reason: string, watcher?: ServingWatcher): Promise<void> {
  if (modelTrack(version.model) === 'pictures') {
    await loadEncoderVersion(store, version);
    await store.promoteModelVersion(version.id, reason);
    return;
  }
  const loaded = watcher?.keptVersion(version) ?? (await loadVersion(store, version));
  await store.promoteModelVersion(version.id, reason);
  await watcher?.serve(loaded);
}
