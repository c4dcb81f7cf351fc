import type pg from 'pg';

/**
 * Versioned schema changes, applied in order; never edit a shipped one. The first holds everything the
 * SQLite adapter reached in its first seven. Ids that lists and cursors order by are `COLLATE "C"`: byte
 * order, as SQLite compares them, whatever the database's locale. Times are epoch ms in bigints; the JSON
 * columns are text, so a stored record reads back exactly as it was written (jsonb would reorder keys and
 * refuse the `\u0000` escape).
 *
 * Events at scale (docs/scaling.md): every read is by (user, time) or by time, each through its own index
 * ending in `seq`, so histories and scans stop after the rows they return.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'items, users, events, decisions, state, model registry, jobs, leases',
    sql: `
      CREATE TABLE items (
        id TEXT COLLATE "C" PRIMARY KEY,
        title TEXT NOT NULL,
        description TEXT NOT NULL,
        category TEXT NOT NULL,
        category_path TEXT NOT NULL,
        tags TEXT NOT NULL,
        brand TEXT,
        price DOUBLE PRECISION,
        attributes TEXT NOT NULL,
        available SMALLINT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE TABLE users (
        id TEXT COLLATE "C" PRIMARY KEY,
        attributes TEXT NOT NULL,
        tracking SMALLINT NOT NULL,
        personalization SMALLINT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX users_refusing_tracking ON users(id) WHERE tracking = 0;
      CREATE TABLE events (
        seq BIGSERIAL PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        item_id TEXT,
        type SMALLINT NOT NULL,
        value DOUBLE PRECISION,
        timestamp BIGINT NOT NULL,
        session_id TEXT,
        context TEXT
      );
      CREATE INDEX events_user_time ON events(user_id, timestamp, seq);
      CREATE INDEX events_time ON events(timestamp, seq);
      CREATE INDEX events_user_type_time ON events(user_id, type, timestamp, seq);
      CREATE TABLE state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE TABLE decisions (
        seq BIGSERIAL PRIMARY KEY,
        recommendation_id TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        timestamp BIGINT NOT NULL,
        policy TEXT NOT NULL,
        explore_weight DOUBLE PRECISION NOT NULL,
        item_ids TEXT NOT NULL,
        scores BYTEA NOT NULL,
        clusters TEXT,
        shown_items TEXT,
        shown_propensities BYTEA,
        shown_slots TEXT,
        session_id TEXT
      );
      CREATE INDEX decisions_time ON decisions(timestamp, seq);
      CREATE INDEX decisions_user_time ON decisions(user_id, timestamp, seq);
      CREATE TABLE model_versions (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('candidate', 'serving', 'retired', 'rejected')),
        created_at BIGINT NOT NULL,
        ord BIGSERIAL,
        record TEXT NOT NULL
      );
      CREATE UNIQUE INDEX model_versions_serving ON model_versions(state) WHERE state = 'serving';
      CREATE INDEX model_versions_created ON model_versions(created_at, ord);
      CREATE TABLE model_artifacts (
        id TEXT PRIMARY KEY REFERENCES model_versions(id) ON DELETE CASCADE,
        bytes BYTEA NOT NULL
      );
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        kind TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        heartbeat_at BIGINT,
        ord BIGSERIAL,
        record TEXT NOT NULL
      );
      CREATE INDEX jobs_state_created ON jobs(state, created_at, ord);
      CREATE INDEX jobs_created ON jobs(created_at, ord);
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'experiment arm of a decision',
    sql: `ALTER TABLE decisions ADD COLUMN arm TEXT;`,
  },
  {
    version: 3,
    name: 'API keys and the audit log',
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        digest TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        ord BIGSERIAL,
        record TEXT NOT NULL
      );
      CREATE TABLE audit_log (
        seq BIGSERIAL PRIMARY KEY,
        target TEXT,
        record TEXT NOT NULL
      );
      CREATE INDEX audit_log_target ON audit_log(target, seq);
    `,
  },
  {
    version: 4,
    name: 'item pictures',
    sql: `
      CREATE TABLE item_pictures (
        item_id TEXT COLLATE "C" PRIMARY KEY,
        kind TEXT NOT NULL,
        size INTEGER,
        pixels BYTEA,
        embedding BYTEA,
        encoder TEXT,
        updated_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: 'a serving model version per track',
    sql: `
      ALTER TABLE model_versions ADD COLUMN track TEXT NOT NULL DEFAULT 'recommendations'
        CHECK (track IN ('recommendations', 'pictures'));
      DROP INDEX model_versions_serving;
      CREATE UNIQUE INDEX model_versions_serving ON model_versions(track) WHERE state = 'serving';
      CREATE INDEX model_versions_track_created ON model_versions(track, created_at, ord);
    `,
  },
  {
    version: 6,
    name: 'events: byte-order ids, one user index',
    // Every index an event joins costs its insert (docs/scaling.md): a user's reads, typed or not, go through
    // (user, type, time), one descent per type; and ids compare as bytes, as SQLite and the other tables do.
    sql: `
      DROP INDEX events_user_time;
      ALTER TABLE events ALTER COLUMN event_id TYPE TEXT COLLATE "C", ALTER COLUMN user_id TYPE TEXT COLLATE "C",
        ALTER COLUMN item_id TYPE TEXT COLLATE "C";
    `,
  },
];

/**
 * Creates the schema when missing and applies the migrations it lacks, in one transaction under an advisory
 * lock: processes starting together wait for the first one instead of racing it. Returns what it applied.
 */
export async function migrate(client: pg.PoolClient, schema: string): Promise<number[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`curio-migrations:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(`CREATE TABLE IF NOT EXISTS "${schema}".curio_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM "${schema}".curio_migrations`);
    const applied = new Set(rows.map((r) => r.version));
    const ran: number[] = [];
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await client.query(m.sql);
      await client.query(`INSERT INTO "${schema}".curio_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [
        m.version,
        m.name,
        Date.now(),
      ]);
      ran.push(m.version);
    }
    await client.query('COMMIT');
    return ran;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
