import type Database from 'better-sqlite3';

/**
 * Indexes that serve reads (histories, time scans) but not idempotency. A bulk load drops them and
 * builds them again at the end, which is faster than maintaining them row by row (docs/benchmarks.md).
 */
const USER_TIME_INDEX = 'CREATE INDEX IF NOT EXISTS events_user_time ON events(user_id, timestamp);';
const TIME_INDEX = 'CREATE INDEX IF NOT EXISTS events_time ON events(timestamp);';
/** A user's events of some types (impressions, purchases) without walking past every other event of theirs. */
const USER_TYPE_TIME_INDEX = 'CREATE INDEX IF NOT EXISTS events_user_type_time ON events(user_id, type, timestamp);';
export const EVENT_READ_INDEXES = [USER_TIME_INDEX, TIME_INDEX, USER_TYPE_TIME_INDEX].join('\n');
export const EVENT_READ_INDEX_NAMES = ['events_user_time', 'events_time', 'events_user_type_time'] as const;

/** Versioned schema changes, applied in order, each in its own transaction. Never edit a shipped one. */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'items, users, events',
    sql: `
      CREATE TABLE items (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        description TEXT NOT NULL,
        category TEXT NOT NULL,          -- category path joined with ' > ', for grouping
        category_path TEXT NOT NULL,     -- JSON array
        tags TEXT NOT NULL,              -- JSON array
        brand TEXT,
        price REAL,
        attributes TEXT NOT NULL,        -- JSON object
        available INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        attributes TEXT NOT NULL,
        tracking INTEGER NOT NULL,
        personalization INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY,          -- arrival order
        event_id TEXT NOT NULL UNIQUE,    -- idempotency key
        user_id TEXT NOT NULL,
        item_id TEXT,
        type INTEGER NOT NULL,            -- index into EVENT_TYPES
        value REAL,
        timestamp INTEGER NOT NULL,
        session_id TEXT,
        context TEXT                      -- JSON object, NULL when empty
      );
      ${USER_TIME_INDEX}
      ${TIME_INDEX}
    `,
  },
  {
    version: 2,
    name: 'partial index of users who refused tracking',
    // Ingestion checks consent on every batch; with this index "does anyone refuse?" is one probe.
    sql: `CREATE INDEX users_refusing_tracking ON users(id) WHERE tracking = 0;`,
  },
  {
    version: 3,
    name: 'index of events by user and type',
    sql: USER_TYPE_TIME_INDEX,
  },
  {
    version: 4,
    name: 'runtime state and recommendation decisions',
    sql: `
      CREATE TABLE state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,              -- JSON
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE decisions (
        seq INTEGER PRIMARY KEY,          -- arrival order
        recommendation_id TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        timestamp INTEGER NOT NULL,
        policy TEXT NOT NULL,
        explore_weight REAL NOT NULL,
        item_ids TEXT NOT NULL,           -- JSON array, in the order the policy received them
        scores BLOB NOT NULL,             -- float64 little-endian, one per item
        clusters TEXT                     -- JSON [names, index per item or -1]; NULL when none has one
      );
      CREATE INDEX decisions_time ON decisions(timestamp);
      CREATE INDEX decisions_user ON decisions(user_id);
    `,
  },
  {
    version: 5,
    name: 'served slates in the decision row',
    // One row per served slate instead of one impression event per slot (docs/serving.md, "Impression log").
    sql: `
      ALTER TABLE decisions ADD COLUMN shown_items TEXT;          -- JSON array of item ids in position order; NULL: impressions are events
      ALTER TABLE decisions ADD COLUMN shown_propensities BLOB;   -- float64 little-endian, one per shown item
      ALTER TABLE decisions ADD COLUMN shown_slots TEXT;          -- JSON array (slot, null = pinned, -1 = at its position); NULL when every item is at its slot
      ALTER TABLE decisions ADD COLUMN session_id TEXT;
      DROP INDEX decisions_user;
      CREATE INDEX decisions_user_time ON decisions(user_id, timestamp);
    `,
  },
  {
    version: 6,
    name: 'model registry and training jobs',
    // The whole record is JSON; the columns repeat what is queried, written from the record in one place
    // (training-tables.ts). The partial unique index makes "at most one serving" a schema rule and the
    // serving lookup that serving processes poll a single index probe.
    sql: `
      CREATE TABLE model_versions (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('candidate', 'serving', 'retired', 'rejected')),
        created_at INTEGER NOT NULL,      -- ms when stored: list order
        record TEXT NOT NULL              -- JSON ModelVersion
      );
      CREATE UNIQUE INDEX model_versions_serving ON model_versions(state) WHERE state = 'serving';
      CREATE INDEX model_versions_created ON model_versions(created_at);
      CREATE INDEX model_versions_state_created ON model_versions(state, created_at);
      CREATE TABLE model_artifacts (
        id TEXT PRIMARY KEY REFERENCES model_versions(id) ON DELETE CASCADE,
        bytes BLOB NOT NULL
      );
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        kind TEXT NOT NULL,
        created_at INTEGER NOT NULL,      -- ms of the record's createdAt: claim and list order
        heartbeat_at INTEGER,             -- ms of the record's heartbeatAt
        record TEXT NOT NULL              -- JSON Job
      );
      CREATE INDEX jobs_state_created ON jobs(state, created_at);
      CREATE INDEX jobs_created ON jobs(created_at);
    `,
  },
  {
    version: 7,
    name: 'leases',
    // One row per lease (the trainers' scheduler): who holds it and until when, in ms.
    sql: `
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 8,
    name: 'experiment arm of a decision',
    sql: `ALTER TABLE decisions ADD COLUMN arm TEXT;  -- "experiment/arm" when the slate was served in an experiment`,
  },
  {
    version: 9,
    name: 'API keys and the audit log',
    // A key is stored as its SHA-256 only (docs/privacy.md, "Keys and audit"); the audit log is append-only.
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        digest TEXT NOT NULL UNIQUE,      -- sha256 hex of the key: the lookup of every request
        created_at INTEGER NOT NULL,      -- ms of the record's createdAt: list order
        record TEXT NOT NULL              -- JSON StoredApiKey
      );
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,          -- arrival order: the entry's id
        target TEXT,
        record TEXT NOT NULL              -- JSON AuditRecord
      );
      CREATE INDEX audit_log_target ON audit_log(target, seq);
    `,
  },
  {
    version: 10,
    name: 'item pictures',
    // One row per item (docs/pictures.md): an uploaded picture at the encoder's size, or the shop's own embedding.
    sql: `
      CREATE TABLE item_pictures (
        item_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,               -- 'image' (uploaded) or 'embedding' (sent by the shop)
        size INTEGER,                     -- side in pixels ('image')
        pixels BLOB,                      -- greyscale bytes, size×size ('image')
        embedding BLOB,                   -- float32 little-endian; NULL until an encoder embedded the image
        encoder TEXT,                     -- model version that computed the embedding ('image')
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 11,
    name: 'a serving model version per track',
    // Image encoders are model versions too (docs/pictures.md): one serving version per track, not one in all.
    sql: `
      ALTER TABLE model_versions ADD COLUMN track TEXT NOT NULL DEFAULT 'recommendations'
        CHECK (track IN ('recommendations', 'pictures'));
      DROP INDEX model_versions_serving;
      CREATE UNIQUE INDEX model_versions_serving ON model_versions(track) WHERE state = 'serving';
      CREATE INDEX model_versions_track_created ON model_versions(track, created_at);
    `,
  },
];

export function migrate(db: Database.Database): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version));
  const ran: number[] = [];
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    })();
    ran.push(m.version);
  }
  return ran;
}
