import { decodeArtifact, encodeArtifact, getModelSpec } from '../models/index.js';
import type { Store } from '../store/index.js';
import { sha256 } from './versions.js';

/** Versions the registry keeps at most (keepVersions is far below): every one is looked at. */
const ALL_VERSIONS = 100_000;

/**
 * Removes an erased user from every stored version that holds a row of parameters per user (the
 * `userFactors` of BPR and iALS, whose rows `meta.userIds` names): the row is zeroed and its id
 * blanked, and the artifact is stored again with its new checksum. Models without per-user parameters
 * hold nothing of a user once their events are gone from the next training. Returns the versions changed.
 */
export async function eraseUserFromModels(store: Store, storedUserId: string): Promise<string[]> {
  const changed: string[] = [];
  for (const version of await store.listModelVersions({ limit: ALL_VERSIONS })) {
    if (!perUser(version.model)) continue;
    const bytes = await store.modelArtifact(version.id);
    if (!bytes || bytes.length === 0) continue; // a refused version keeps no artifact
    const artifact = decodeArtifact(bytes, `model version ${version.id}`);
    const ids = artifact.meta.userIds;
    const factors = artifact.arrays.userFactors;
    if (!Array.isArray(ids) || !factors) continue;
    const row = ids.indexOf(storedUserId);
    if (row < 0) continue;
    const dim = factors.length / ids.length;
    factors.fill(0, row * dim, (row + 1) * dim);
    const blanked = ids.map((id, k) => (k === row ? '' : id));
    const rewritten = encodeArtifact({ ...artifact, meta: { ...artifact.meta, userIds: blanked } });
    await store.replaceModelArtifact(version.id, rewritten, sha256(rewritten));
    changed.push(version.id);
  }
  return changed;
}

function perUser(model: string): boolean {
  try {
    return getModelSpec(model).capabilities.includes('user-embedding');
  } catch {
    return false; // a family this build does not know holds nothing it could read
  }
}
