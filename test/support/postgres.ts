// The PostgreSQL the tests use: CURIO_TEST_POSTGRES_URL, else the machine's own (CI starts it and creates
// the `test` database). Every store a test opens gets a schema of its own, dropped when the file's tests end.
import { randomUUID } from 'node:crypto';
import pg from 'pg';

export const TEST_POSTGRES_URL = process.env.CURIO_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const created = new Set<string>();

/** A store URL on a fresh schema (created by the adapter when it opens). */
export function postgresSchemaUrl(): string {
  const schema = `curio_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  created.add(schema);
  const url = new URL(TEST_POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** The schema a URL from `postgresSchemaUrl` names. */
export const schemaOf = (url: string): string => new URL(url).searchParams.get('schema') ?? 'public';

/** Drops every schema made here (or only `schemas`); fails with a clear message when PostgreSQL is not reachable. */
export async function dropSchemas(schemas: Iterable<string> = [...created]): Promise<void> {
  const list = [...schemas];
  if (list.length === 0) return;
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect().catch((error: unknown) => {
    throw new Error(
      `PostgreSQL is not reachable at ${TEST_POSTGRES_URL} (set CURIO_TEST_POSTGRES_URL; .ci/run starts it): ${String(error)}`,
    );
  });
  try {
    for (const schema of list) {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      created.delete(schema);
    }
  } finally {
    await client.end();
  }
}

/**
 * Writes PostgreSQL's dirty pages out now (CHECKPOINT; the tests' role is a superuser), so that a measurement
 * after a write-heavy one does not share the disk with that one's checkpoint.
 */
export async function checkpoint(): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}

/** Schemas named like the tests' that exist now (to check none is left behind). */
export async function testSchemas(): Promise<string[]> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'curio_test_%'`);
    return rows.map((r) => r.nspname);
  } finally {
    await client.end();
  }
}
