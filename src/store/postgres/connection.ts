import pg from 'pg';
import { CurioError } from '../../core/index.js';

/** What the store URL says beyond what node-postgres reads itself. */
export interface PostgresTarget {
  /** The URL handed to node-postgres (without Curio's own parameters). */
  connectionString: string;
  /** Where Curio's tables live (created when missing); `public` by default. */
  schema: string;
  /** Most connections the pool opens. */
  poolSize: number;
  /** The URL without its password, for messages. */
  display: string;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const DEFAULT_POOL = 10;

/** Reads `postgres://user@host:port/db?schema=NAME&pool=N`; the other parameters (sslmode, ...) go to node-postgres. */
export function parseTarget(url: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CurioError('BAD_INPUT', `store.url is not a valid PostgreSQL URL: ${JSON.stringify(url.replace(/:[^:@/]*@/, ':***@'))}`);
  }
  const schema = parsed.searchParams.get('schema') ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new CurioError(
      'BAD_INPUT',
      `store.url parameter "schema" must be a plain identifier (letters, digits, _), got ${JSON.stringify(schema)}`,
    );
  }
  const poolText = parsed.searchParams.get('pool');
  const poolSize = poolText === null ? DEFAULT_POOL : Number(poolText);
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000) {
    throw new CurioError('BAD_INPUT', `store.url parameter "pool" must be a whole number from 1 to 1000, got ${JSON.stringify(poolText)}`);
  }
  parsed.searchParams.delete('schema');
  parsed.searchParams.delete('pool');
  const connectionString = parsed.toString();
  if (parsed.password) parsed.password = '***';
  return { connectionString, schema, poolSize, display: parsed.toString() };
}

/** int8 columns (sequences, epoch-ms times) as numbers: every value Curio stores in them is below 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export function createPool(target: PostgresTarget): pg.Pool {
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max: target.poolSize,
    types: TYPES,
    // Every connection reads and writes Curio's schema and nothing else.
    options: `-c search_path=${target.schema}`,
    connectionTimeoutMillis: 10_000,
  });
  // An idle connection the server drops (a restart, a failover) is replaced on the next query; without a
  // listener the error would end the process.
  pool.on('error', () => undefined);
  return pool;
}

/** PostgreSQL's failures as CurioErrors: a taken key is a CONFLICT, a value it cannot store is BAD_INPUT, a lost server UNAVAILABLE. */
export function asCurioError(error: unknown, conflict = 'the row exists'): unknown {
  if (error instanceof CurioError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = (error as Error | null)?.message ?? String(error);
  if (code === '23505') return new CurioError('CONFLICT', conflict, { cause: error });
  if (code === '23514') return new CurioError('BAD_INPUT', `invalid state: ${message}`, { cause: error });
  // NUL characters and byte sequences PostgreSQL's text type cannot hold.
  if (code === '22021' || code === '22P05')
    return new CurioError('BAD_INPUT', `a text value PostgreSQL cannot store: ${message}`, { cause: error });
  if (typeof code === 'string' && (code.startsWith('08') || code === '57P01' || code === '57P03'))
    return new CurioError('UNAVAILABLE', `PostgreSQL is unavailable: ${message}`, { cause: error });
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || /timeout exceeded when trying to connect/.test(message))
    return new CurioError('UNAVAILABLE', `PostgreSQL is unavailable: ${message}`, { cause: error });
  return error;
}

/** Runs `fn` in a transaction on one pooled connection; rolls back and rethrows (as a CurioError where one fits) on failure. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, conflict?: string): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw asCurioError(error);
  }
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw asCurioError(error, conflict);
  } finally {
    client.release();
  }
}

/**
 * A statement each pooled connection parses and plans once, by name: for the reads every request makes (a
 * shopper's consent), where PostgreSQL would otherwise parse and plan the same text thousands of times a second.
 */
export interface Prepared {
  name: string;
  text: string;
}

/** One statement on any pooled connection, with PostgreSQL's failures as CurioErrors. */
export async function query<R extends pg.QueryResultRow = pg.QueryResultRow>(
  pool: pg.Pool | pg.PoolClient,
  text: string | Prepared,
  values: unknown[] = [],
): Promise<pg.QueryResult<R>> {
  try {
    return await (typeof text === 'string' ? pool.query<R>(text, values) : pool.query<R>({ ...text, values }));
  } catch (error) {
    throw asCurioError(error);
  }
}
