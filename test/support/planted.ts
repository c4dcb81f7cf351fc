import { createRng } from '../../src/core/index.js';
import { createSequenceBuilder, type SequenceDataset } from '../../src/data/index.js';

/**
 * A tiny dataset with a planted pattern, for model tests: items form clusters with skewed popularity;
 * each user stays in one cluster and mostly steps to the next item of it (i → i+1, cyclic). A model that
 * learns anything (popularity, co-occurrence, order) beats random on leave-one-out; clusters and start
 * positions are skewed so that popularity alone carries signal too.
 */
export function plantedSequences(
  options: { users?: number; clusters?: number; clusterSize?: number; seed?: number } = {},
): SequenceDataset {
  const { users = 400, clusters = 5, clusterSize = 20, seed = 1 } = options;
  const rng = createRng(seed);
  const builder = createSequenceBuilder();
  const weights = Array.from({ length: clusters }, (_, c) => 1 / (c + 1) ** 2);
  const total = weights.reduce((a, b) => a + b, 0);
  for (let u = 0; u < users; u++) {
    let r = rng.next() * total;
    let c = 0;
    while (r > weights[c] && c < clusters - 1) r -= weights[c++];
    const length = 6 + rng.int(5);
    let pos = rng.int(1 + rng.int(clusterSize)); // skewed towards the cluster's first items
    for (let t = 0; t < length; t++) {
      builder.add(`u${u}`, `i${c * clusterSize + pos}`, t % 4 === 3 ? 'purchase' : 'view', Date.UTC(2024, 0, 1) + (u * 50 + t) * 3_600_000);
      pos = rng.next() < 0.8 ? (pos + 1) % clusterSize : rng.int(clusterSize);
    }
  }
  return builder.build();
}
