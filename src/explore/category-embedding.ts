/** Length of the category embeddings given to embedding-based policies. */
export const EMBEDDING_DIMENSION = 16;

/**
 * A hashed one-hot of the category, so embedding-based policies (LinUCB) can learn per-category rewards.
 * The serving runtime and off-policy evaluation both derive a candidate's features from its cluster with
 * this, so a policy is evaluated on the features it is served with.
 */
export function categoryEmbedding(cluster: string | undefined): Float32Array {
  const e = new Float32Array(EMBEDDING_DIMENSION);
  if (cluster === undefined) return e;
  let h = 2166136261;
  for (let k = 0; k < cluster.length; k++) h = Math.imul(h ^ cluster.charCodeAt(k), 16777619);
  e[(h >>> 0) % EMBEDDING_DIMENSION] = 1;
  return e;
}
