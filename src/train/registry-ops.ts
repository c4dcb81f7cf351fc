import { CurioError } from '../core/index.js';
import type { ModelVersion, Store } from '../store/index.js';
import type { ServingWatcher } from './serving-watcher.js';
import { loadVersion, previousServing, ROLLED_BACK } from './versions.js';

/**
 * Promotes a version by hand (`POST /v1/admin/models/:id/promote`, `curio models promote`): it is loaded
 * and verified first, so a version that would be refused never becomes the serving one; a process with a
 * watcher swaps it in at once, the others at their next poll.
 */
export async function promoteVersion(store: Store, id: string, watcher?: ServingWatcher): Promise<ModelVersion> {
  const version = await store.getModelVersion(id);
  if (!version) throw new CurioError('NOT_FOUND', `no model version ${id}`);
  if (version.state === 'rejected') throw new CurioError('CONFLICT', `model version ${id} was rejected: ${version.reason ?? ''}`);
  const loaded = await loadVersion(store, version);
  await store.promoteModelVersion(id, `replaced by ${id} (promoted by hand)`);
  await watcher?.serve(loaded);
  return (await store.getModelVersion(id))!;
}

/** Serves again the version that served before the current one; the current one is retired as rolled back. */
export async function rollbackVersion(store: Store, watcher?: ServingWatcher): Promise<{ from: string | null; to: ModelVersion }> {
  const current = await store.servingModelVersion();
  const target = await previousServing(store);
  const loaded = await loadVersion(store, target);
  await store.promoteModelVersion(target.id, `${ROLLED_BACK} to ${target.id}`);
  await watcher?.serve(loaded);
  return { from: current?.id ?? null, to: (await store.getModelVersion(target.id))! };
}
