import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Event } from '../../core/index.js';
import { eventParams } from '../sqlite/rows.js';

/** Batches this large go through COPY; smaller ones are one INSERT over arrays (one round trip, no staging table). */
export const COPY_MIN_EVENTS = 2000;
const EVENT_COLUMNS = 'event_id,user_id,item_id,type,value,timestamp,session_id,context';

/**
 * Inserts a batch in arrival order with one statement: the arrays are unnested in input order (WITH
 * ORDINALITY), so `seq` follows the batch; a stored id, or one repeated in the batch, is left out by
 * ON CONFLICT. Returns the ids actually inserted.
 */
export async function insertEvents(client: pg.PoolClient, events: readonly Event[]): Promise<string[]> {
  const columns: unknown[][] = Array.from({ length: 8 }, () => new Array(events.length));
  events.forEach((e, i) => eventParams(e).forEach((v, c) => (columns[c][i] = v)));
  const { rows } = await client.query<{ event_id: string }>(
    `INSERT INTO events (${EVENT_COLUMNS})
     SELECT e, u, i, t, v, ts, s, c FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::float8[], $6::bigint[], $7::text[], $8::text[])
       WITH ORDINALITY AS x(e, u, i, t, v, ts, s, c, n)
     ORDER BY n
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    columns,
  );
  return rows.map((r) => r.event_id);
}

/**
 * The bulk path, optimistic first: the batch is streamed with COPY straight into `events`, in input order,
 * under a savepoint. Most bulk batches hold no stored id, and a direct COPY costs PostgreSQL about half of a
 * staged move (no staging table written and read back, no sort, no speculative insertion). A repeated id
 * stops the COPY with a unique violation; the savepoint is rolled back (only `seq` values are spent) and the
 * batch goes through the staging path, which leaves duplicates out. Must run inside the caller's transaction.
 */
export async function copyEvents(client: pg.PoolClient, events: readonly Event[]): Promise<string[]> {
  await client.query('SAVEPOINT curio_copy');
  try {
    await pipeline(Readable.from(copyLines(events, false)), client.query(copyFrom(`COPY events (${EVENT_COLUMNS}) FROM STDIN`)));
    await client.query('RELEASE SAVEPOINT curio_copy');
    return events.map((e) => e.id);
  } catch (error) {
    if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
    await client.query('ROLLBACK TO SAVEPOINT curio_copy');
  }
  return stagedCopy(client, events);
}

const UNIQUE_VIOLATION = '23505';

/** COPY into a staging table that lives until the commit, then one set-based move in input order, duplicates left out. */
async function stagedCopy(client: pg.PoolClient, events: readonly Event[]): Promise<string[]> {
  await client.query(
    `CREATE TEMP TABLE IF NOT EXISTS events_in (n BIGINT, event_id TEXT, user_id TEXT, item_id TEXT, type SMALLINT,
       value DOUBLE PRECISION, timestamp BIGINT, session_id TEXT, context TEXT) ON COMMIT DELETE ROWS`,
  );
  await pipeline(Readable.from(copyLines(events, true)), client.query(copyFrom(`COPY events_in FROM STDIN`)));
  const { rows } = await client.query<{ event_id: string }>(
    `INSERT INTO events (${EVENT_COLUMNS}) SELECT ${EVENT_COLUMNS} FROM events_in ORDER BY n
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
  );
  return rows.map((r) => r.event_id);
}

/**
 * COPY's text format, a few thousand rows per chunk: tab-separated, \N for null, backslash escapes; `numbered`
 * leads each row with its position (the staging table's order column).
 */
function* copyLines(events: readonly Event[], numbered: boolean): Generator<string> {
  const CHUNK = 2000;
  for (let start = 0; start < events.length; start += CHUNK) {
    let out = '';
    const end = Math.min(events.length, start + CHUNK);
    for (let i = start; i < end; i++) {
      const p = eventParams(events[i]);
      let line = numbered ? String(i) + '\t' : '';
      for (let c = 0; c < p.length; c++) line += (c > 0 ? '\t' : '') + copyValue(p[c]);
      out += line + '\n';
    }
    yield out;
  }
}

function copyValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN';
  const s = String(v);
  return /[\\\t\n\r]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : s;
}
