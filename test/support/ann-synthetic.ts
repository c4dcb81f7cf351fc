/** Seeded synthetic embeddings with the shape of a trained model's (for the ANN tests and bench). */
import { createRng } from '../../src/core/index.js';

export interface ClusteredOptions {
  items: number;
  dim: number;
  clusters: number;
  seed: number;
  /** Vectors drawn: query k is near one random cluster centre (a user with one interest). */
  queries: number;
}

/**
 * Items around `clusters` random centres (noise 0.6 per coordinate, unit-variance centres), each scaled by
 * a random norm in [0.5, 1.5] as popular items' embeddings are longer, and queries near the centres.
 */
export function clusteredEmbeddings(options: ClusteredOptions): { embeddings: Float32Array; queries: Float32Array[] } {
  const { items, dim, clusters } = options;
  const rng = createRng(options.seed);
  const centres = Float32Array.from({ length: clusters * dim }, () => rng.normal());
  const embeddings = new Float32Array(items * dim);
  for (let i = 0; i < items; i++) {
    const c = rng.int(clusters);
    const scale = 0.5 + rng.next();
    for (let d = 0; d < dim; d++) embeddings[i * dim + d] = scale * (centres[c * dim + d] + 0.6 * rng.normal());
  }
  const queries = Array.from({ length: options.queries }, () => {
    const c = rng.int(clusters);
    return Float32Array.from({ length: dim }, (_, d) => centres[c * dim + d] + 0.6 * rng.normal());
  });
  return { embeddings, queries };
}
