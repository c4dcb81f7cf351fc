// The store a multi-process test shares between its servers: a PostgreSQL schema of its own, as a cluster
// runs (CURIO_TEST_POSTGRES_URL, else the machine's own server).
import { dropSchemas, postgresSchemaUrl, schemaOf } from './postgres.js';

export interface ClusterStore {
  url: string;
  /** Removes what the test stored. */
  drop(): Promise<void>;
}

export async function clusterStoreUrl(_dir?: string): Promise<ClusterStore> {
  const url = postgresSchemaUrl();
  return { url, drop: () => dropSchemas([schemaOf(url)]) };
}
