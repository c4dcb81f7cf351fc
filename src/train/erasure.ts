import { clearUserRows, decodeArtifact, encodeArtifact, getModelSpec } from '../models/index.js';
import type { ModelVersion, Store } from '../store/index.js';
import { sha256 } from './versions.js';

/** Versions the registry keeps at most (keepVersions is far below): every one is looked at. */
export const ALL_VERSIONS = 100_000;

/**
 * Removes erased users from every stored version that holds a row per user (the `userFactors` of BPR and
 * iALS, sknn's sequences; rows `meta.userIds` names, also as parts of a blend): each matching row is emptied
 * and its id blanked, and the artifact is stored again with its new checksum. `erased` tells
 * a stored id to remove (one id, or a match on the ids' hashes when only those are known). Models without
 * per-user rows keep no row to remove: what they learned from a user goes with a retrain
 * (erasure-sweep.ts). Returns the versions changed.
 */
export async function eraseUserFromModels(
  store: Store,
  erased: (storedUserId: string) => boolean,
  options: { versions?: readonly ModelVersion[] } = {},
): Promise<string[]> {
  const changed: string[] = [];
  for (const version of options.versions ?? (await store.listModelVersions({ limit: ALL_VERSIONS }))) {
    if (!perUser(version.model, version.params) || version.sizeBytes === 0) continue; // a refused version keeps no artifact
    const bytes = await store.modelArtifact(version.id);
    if (!bytes || bytes.length === 0) continue;
    const artifact = decodeArtifact(bytes, `model version ${version.id}`);
    const ids = artifact.meta.userIds;
    if (!Array.isArray(ids)) continue;
    const rows = (ids as unknown[]).flatMap((id, row) => (typeof id === 'string' && id !== '' && erased(id) ? [row] : []));
    const cleared = rows.length === 0 ? null : clearUserRows(artifact, rows);
    if (!cleared) continue;
    const kept = new Set(rows);
    const blanked = ids.map((id, row) => (kept.has(row) ? '' : id));
    const rewritten = encodeArtifact({ ...cleared, meta: { ...cleared.meta, userIds: blanked } });
    await store.replaceModelArtifact(version.id, rewritten, sha256(rewritten));
    changed.push(version.id);
  }
  return changed;
}

/**
 * Whether a version keeps a row per training user: its family does, or one of its blend's
 * parts (read from the stored params, so versions without such rows are skipped unread; `holdsUserRows`
 * answers the same for a live model).
 */
export function perUser(model: string, params: Readonly<Record<string, unknown>> = {}): boolean {
  try {
    if (getModelSpec(model).clearUserRow) return true;
  } catch {
    return false; // a family this build does not know holds nothing it could read
  }
  const parts = model === 'blend' && Array.isArray(params.parts) ? (params.parts as unknown[]) : [];
  return parts.some((part) => {
    const p = part as { model?: unknown; params?: unknown };
    return typeof p?.model === 'string' && perUser(p.model, (p.params ?? {}) as Record<string, unknown>);
  });
}
