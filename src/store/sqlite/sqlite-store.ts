import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  CurioError,
  DEFAULT_CONSENT,
  EVENT_TYPES,
  type Consent,
  type Event,
  type EventType,
  type Item,
  type User,
} from '../../core/index.js';
import type {
  AppendResult,
  Decision,
  DecisionScanQuery,
  EraseUserOptions,
  ItemAudience,
  ItemAudienceQuery,
  ErasedRows,
  ItemPatch,
  ListOptions,
  OpenStoreOptions,
  PruneQuery,
  ReclaimedSpace,
  EventPruneQuery,
  EventPruneResult,
  ScanQuery,
  Store,
  StoreCounts,
  StoreStats,
  TimelineEvent,
  UserEventsQuery,
  UserSlate,
  UserUpsert,
} from '../store.js';
import { itemListFilter } from '../store.js';
import type { Job, JobKind, JobState, JobUpdate, ModelTrack, ModelVersion, ModelVersionQuery } from '../training-records.js';
import type { AuditEntry, AuditQuery, AuditRecord, StoredApiKey } from '../access-records.js';
import { AccessTables } from './access-tables.js';
import { itemAudiences } from './item-audiences.js';
import { PictureTables } from './picture-tables.js';
import type { ItemPicture } from '../picture-records.js';
import { appendResult } from '../append-result.js';
import { eventCutoffs, prunedEvents } from '../event-prune.js';
import {
  decisionSteps,
  readState,
  rowToDecision,
  scanDecisionRows,
  userSlateRows,
  stateWriteStep,
  type DecisionRow,
} from './decision-table.js';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';
import { EVENT_READ_INDEXES, EVENT_READ_INDEX_NAMES, migrate } from './migrations.js';
import {
  changedRows,
  statementCache,
  stepTransactions,
  WRITE_PRAGMAS,
  type StatementCache,
  type StepResult,
  type StepTransactions,
  type WriteStep,
} from './write-steps.js';
import { startWriterThread, type WriterThread } from './writer-thread.js';
import { MODEL_ARTIFACT_SQL, TrainingTables } from './training-tables.js';
import {
  eventParams,
  itemToRow,
  rowToEvent,
  rowToItem,
  rowToTimelineEvent,
  rowToUser,
  typeIndex,
  type EventRow,
  type ItemRow,
  type TimelineRow,
  type UserRow,
} from './rows.js';

/** Rows per multi-row event insert (8 parameters each; SQLite allows 32,766 bound parameters). */
const EVENT_COLUMNS = 8;
const ROWS_PER_INSERT = 500;
const INSERT_EVENTS = 'INSERT OR IGNORE INTO events (event_id,user_id,item_id,type,value,timestamp,session_id,context) VALUES ';
const ROW_PLACEHOLDERS = '(?,?,?,?,?,?,?,?)';
const INSERT_ONE = `${INSERT_EVENTS}${ROW_PLACEHOLDERS} RETURNING event_id`;
const INSERT_MANY = `${INSERT_EVENTS}${Array(ROWS_PER_INSERT).fill(ROW_PLACEHOLDERS).join(',')} RETURNING event_id`;
/** Bulk mode only for loads at least this large. */
const BULK_MIN_EVENTS = 200_000;
/** How often the background checkpointer copies the WAL into the database (when enabled). */
const CHECKPOINT_INTERVAL_MS = 200;
/** Upper bound of the read memory map (address space, not memory: only pages read are resident). */
const MMAP_BYTES = 4 * 1024 ** 3;
/** Type filters this short are read per type through the (user, type, time) index. */
const FEW_TYPES = 3;
/** The columns of a `TimelineEvent` (and seq, to merge per-type reads in arrival order). */
const TIMELINE_COLUMNS = 'seq, event_id, item_id, type, timestamp';
/** Ids per `IN (...)` lookup. */
const IN_CHUNK = 500;
/**
 * Checkpoints an erasure tries before it reports the write-ahead log as not truncated. Each waits out
 * busy_timeout for readers; the background checkpointer's pass makes one busy at once.
 */
const TRUNCATE_ATTEMPTS = 5;
/** The wait after a busy attempt grows by this much each time (0.25 s in all). */
const TRUNCATE_RETRY_MS = 25;

function typesClause(types: EventType[] | undefined): string {
  return types && types.length ? ` AND type IN (${types.map(typeIndex).join(',')})` : '';
}

class SqliteStore implements Store {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly anyRefusing: Database.Statement;
  /** A prepared statement, compiled once per SQL text. */
  private readonly sql: StatementCache;
  /** Step transactions on this connection, when there is no writer thread. */
  private readonly local: StepTransactions;
  /** Model versions and jobs: written rarely, so on this connection even with a writer thread. */
  private readonly training: TrainingTables;
  /** API keys and the audit log: written rarely, on this connection too. */
  private readonly access: AccessTables;
  /** Item pictures: catalogue writes, on this connection too. */
  private readonly pictures: PictureTables;

  private readonly checkpointer: Checkpointer | null = null;
  private readonly writer: WriterThread | null = null;
  /** Within a prune pass (chunks until one is not full), impression events before this time are gone: the next chunk scans from here. */
  private impressionPruneFloor = Number.MIN_SAFE_INTEGER;

  constructor(path: string, options: OpenStoreOptions = {}) {
    if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path);
    } catch (cause) {
      throw new CurioError('UNAVAILABLE', `cannot open SQLite database at ${path}: ${(cause as Error).message}`, { cause });
    }
    this.db.pragma('journal_mode = WAL');
    for (const pragma of WRITE_PRAGMAS) this.db.pragma(pragma);
    this.db.pragma('wal_autocheckpoint = 10000'); // checkpoint in 40 MB steps: fewer, larger copies on bulk ingest
    // Ingest on this connection (imports, tests: no writer thread) keeps the event indexes' hot pages in a
    // 64 MiB cache. Beside a writer thread this connection only reads, through the memory map below, and
    // its cache holds just the pages it reads from the WAL: 8 MiB keeps those without reserving memory
    // for writes it never makes. (It is not what grows in the soak: docs/benchmarks.md, "Soak".)
    this.db.pragma(`cache_size = ${options.backgroundWrites && path !== ':memory:' && path !== '' ? -8192 : -65536}`);
    // Reads through a memory map of the file instead of read() calls into SQLite's cache: a user's first
    // recommendation right after opening (four indexed reads) is faster, and new users arriving after a
    // restart had saturated the request thread (docs/serving.md). Writes still go through the WAL.
    this.db.pragma(`mmap_size = ${MMAP_BYTES}`);
    migrate(this.db);
    // A bulk load interrupted by a crash leaves its indexes dropped; build them again now.
    this.db.exec(EVENT_READ_INDEXES);

    this.anyRefusing = this.db.prepare('SELECT 1 FROM users WHERE tracking = 0 LIMIT 1').pluck();
    this.sql = statementCache(this.db);
    this.local = stepTransactions(this.db, this.sql);
    this.training = new TrainingTables(this.sql, (fn) => this.transaction(fn));
    this.access = new AccessTables(this.sql, (fn) => this.transaction(fn));
    this.pictures = new PictureTables(this.sql, (fn) => this.transaction(fn));
    const file = path !== ':memory:' && path !== '';
    if (options.backgroundCheckpoints && file) this.checkpointer = startCheckpointer(path, CHECKPOINT_INTERVAL_MS);
    if (options.backgroundWrites && file) this.writer = startWriterThread(path);
  }

  /**
   * Runs write steps in one transaction: on the writer thread when there is one, else on this connection.
   * IMMEDIATE (here and in every other write transaction) takes the write lock before reading, so a commit
   * from the writer thread in between cannot turn the read snapshot stale (SQLITE_BUSY_SNAPSHOT).
   */
  private async write(steps: WriteStep[]): Promise<StepResult[]> {
    if (steps.length === 0) return [];
    return this.writer?.alive ? this.writer.run(steps) : this.local.write(steps);
  }

  /** A transaction of `fn` on this connection that holds the write lock from its start (see `write`). */
  private transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** A cached `<prefix> (?,?,...)` statement for `n` ids. */
  private inQuery(prefix: string, n: number): Database.Statement {
    return this.sql(`${prefix} (${Array(n).fill('?').join(',')})`);
  }

  /** Multi-row inserts of ROWS_PER_INSERT events, then single rows; RETURNING names the rows actually inserted. */
  private eventSteps(events: Event[]): WriteStep[] {
    const steps: WriteStep[] = [];
    let i = 0;
    for (; i + ROWS_PER_INSERT <= events.length; i += ROWS_PER_INSERT) {
      const params: unknown[] = new Array(ROWS_PER_INSERT * EVENT_COLUMNS);
      for (let j = 0; j < ROWS_PER_INSERT; j++) {
        const p = eventParams(events[i + j]);
        for (let c = 0; c < EVENT_COLUMNS; c++) params[j * EVENT_COLUMNS + c] = p[c];
      }
      steps.push({ sql: INSERT_MANY, params });
    }
    for (; i < events.length; i++) steps.push({ sql: INSERT_ONE, params: eventParams(events[i]) });
    return steps;
  }

  async upsertItems(items: Item[]): Promise<number> {
    const now = Date.now();
    const stmt = this
      .sql(`INSERT INTO items (id,title,description,category,category_path,tags,brand,price,attributes,available,created_at,updated_at)
      VALUES (@id,@title,@description,@category,@category_path,@tags,@brand,@price,@attributes,@available,@created_at,@updated_at)
      ON CONFLICT(id) DO UPDATE SET title=excluded.title, description=excluded.description, category=excluded.category,
        category_path=excluded.category_path, tags=excluded.tags, brand=excluded.brand, price=excluded.price,
        attributes=excluded.attributes, available=excluded.available, updated_at=excluded.updated_at`);
    this.transaction(() => {
      for (const item of items) stmt.run(itemToRow(item, now));
    });
    return items.length;
  }

  async getItem(id: string): Promise<Item | null> {
    const row = this.sql('SELECT * FROM items WHERE id = ?').get(id) as ItemRow | undefined;
    return row ? rowToItem(row) : null;
  }

  async getItems(ids: string[]): Promise<Item[]> {
    const out: Item[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = this.sql(`SELECT * FROM items WHERE id IN (${chunk.map(() => '?').join(',')})`).all(chunk) as ItemRow[];
      out.push(...rows.map(rowToItem));
    }
    return out;
  }

  async patchItem(id: string, patch: ItemPatch): Promise<Item | null> {
    return this.transaction(() => {
      const row = this.sql('SELECT * FROM items WHERE id = ?').get(id) as ItemRow | undefined;
      if (!row) return null;
      const merged: Item = { ...rowToItem(row), ...patch, id };
      const next = itemToRow(merged, Date.now());
      this.db
        .prepare(
          `UPDATE items SET title=@title, description=@description, category=@category, category_path=@category_path,
          tags=@tags, brand=@brand, price=@price, attributes=@attributes, available=@available, created_at=@created_at,
          updated_at=@updated_at WHERE id=@id`,
        )
        .run(next);
      return merged;
    });
  }

  async deleteItem(id: string): Promise<boolean> {
    return this.sql('DELETE FROM items WHERE id = ?').run(id).changes > 0;
  }

  async listItems(options: ListOptions = {}): Promise<Item[]> {
    const { where, args } = itemListFilter(options, () => '?');
    const page = options.after === undefined ? 'LIMIT ? OFFSET ?' : 'LIMIT ?';
    const pageArgs = options.after === undefined ? [options.limit ?? 100, options.offset ?? 0] : [options.limit ?? 100];
    const rows = this.sql(`SELECT * FROM items${where} ORDER BY id ${page}`).all(...args, ...pageArgs) as ItemRow[];
    return rows.map(rowToItem);
  }

  async *scanItems(batchSize = 5000): AsyncIterable<Item> {
    let after = '';
    for (;;) {
      const rows = this.sql('SELECT * FROM items WHERE id > ? ORDER BY id LIMIT ?').all(after, batchSize) as ItemRow[];
      for (const r of rows) yield rowToItem(r);
      if (rows.length < batchSize) return;
      after = rows[rows.length - 1].id;
    }
  }

  async upsertUser(user: UserUpsert): Promise<User> {
    return this.transaction(() => {
      const now = Date.now();
      const prev = this.sql('SELECT * FROM users WHERE id = ?').get(user.id) as UserRow | undefined;
      const before = prev ? rowToUser(prev) : null;
      const consent: Consent = { ...DEFAULT_CONSENT, ...before?.consent, ...user.consent };
      const next: User = {
        id: user.id,
        attributes: user.attributes ?? before?.attributes ?? {},
        consent,
        createdAt: before?.createdAt ?? now,
        updatedAt: now,
      };
      this.db
        .prepare(
          `INSERT INTO users (id,attributes,tracking,personalization,created_at,updated_at) VALUES (?,?,?,?,?,?)
          ON CONFLICT(id) DO UPDATE SET attributes=excluded.attributes, tracking=excluded.tracking,
          personalization=excluded.personalization, updated_at=excluded.updated_at`,
        )
        .run(next.id, JSON.stringify(next.attributes), consent.tracking ? 1 : 0, consent.personalization ? 1 : 0, next.createdAt, now);
      return next;
    });
  }

  async getUser(id: string): Promise<User | null> {
    const row = this.sql('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row ? rowToUser(row) : null;
  }

  async listUsers(options: Omit<ListOptions, 'offset'> = {}): Promise<User[]> {
    const rows = this.sql('SELECT * FROM users WHERE id > ? ORDER BY id LIMIT ?').all(
      options.after ?? '',
      options.limit ?? 100,
    ) as UserRow[];
    return rows.map(rowToUser);
  }

  async trackingRefused(ids: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    if (ids.length === 0 || !this.anyRefusing.get()) return out;
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += IN_CHUNK) {
      const chunk = unique.slice(i, i + IN_CHUNK);
      for (const r of this.inQuery('SELECT id FROM users WHERE tracking = 0 AND id IN', chunk.length).all(chunk) as Array<{ id: string }>) {
        out.add(r.id);
      }
    }
    return out;
  }

  async appendEvents(events: Event[]): Promise<AppendResult> {
    const inserted = (await this.write(this.eventSteps(events))) as string[][];
    return appendResult(events, inserted.flat());
  }

  async bulkLoad<T>(expectedEvents: number, work: () => Promise<T>): Promise<T> {
    const held = (this.sql('SELECT max(seq) n FROM events').get() as { n: number | null }).n ?? 0;
    // Rebuilding costs about as much as the rows already held; dropping pays off only for large loads.
    if (expectedEvents < BULK_MIN_EVENTS || expectedEvents < held) return work();
    for (const name of EVENT_READ_INDEX_NAMES) this.db.exec(`DROP INDEX IF EXISTS ${name}`);
    try {
      return await work();
    } finally {
      this.db.exec(EVENT_READ_INDEXES);
    }
  }

  async userEvents(userId: string, query: UserEventsQuery = {}): Promise<Event[]> {
    return this.userRows<EventRow>(userId, query, '*').map(rowToEvent);
  }

  async userTimeline(userId: string, query: UserEventsQuery = {}): Promise<TimelineEvent[]> {
    return this.userRows<TimelineRow>(userId, query, TIMELINE_COLUMNS).map(rowToTimelineEvent);
  }

  /**
   * A user's newest rows (oldest first). Up to FEW_TYPES filtered types are read type by type through the
   * (user, type, time) index and merged, so rows of other types are never fetched (on a server most of a
   * user's rows are its own impression log); more types walk the (user, time) index and stop at the limit.
   */
  private userRows<R extends Pick<EventRow, 'timestamp' | 'seq'>>(userId: string, query: UserEventsQuery, columns: string): R[] {
    const types = query.types;
    if (types && types.length > 0 && types.length <= FEW_TYPES) {
      const rows = types.flatMap((t) => this.newestRows<R>(userId, query, columns, [t]));
      rows.sort((a, b) => b.timestamp - a.timestamp || b.seq - a.seq);
      return rows.slice(0, query.limit ?? rows.length).reverse();
    }
    return this.newestRows<R>(userId, query, columns, types).reverse();
  }

  /** A user's rows, newest first. */
  private newestRows<R>(userId: string, query: UserEventsQuery, columns: string, types: EventType[] | undefined): R[] {
    const before = query.before !== undefined ? ' AND timestamp < ?' : '';
    const params: unknown[] = [userId];
    if (query.before !== undefined) params.push(query.before);
    params.push(query.limit ?? -1);
    const stmt = this.sql(
      `SELECT ${columns} FROM events WHERE user_id = ?${before}${typesClause(types)} ORDER BY timestamp DESC, seq DESC LIMIT ?`,
    );
    return stmt.all(params) as R[];
  }

  async *scanEvents(query: ScanQuery = {}): AsyncIterable<Event> {
    const batch = query.batchSize ?? 10_000;
    const to = query.to ?? Number.MAX_SAFE_INTEGER;
    const stmt = this.sql(
      `SELECT * FROM events WHERE (timestamp > ? OR (timestamp = ? AND seq > ?)) AND timestamp < ?${typesClause(query.types)}
       ORDER BY timestamp, seq LIMIT ?`,
    );
    // Keyset pagination on (timestamp, seq): no long-lived read cursor, so writers are never blocked.
    let ts = query.from ?? Number.MIN_SAFE_INTEGER;
    let seq = -1;
    for (;;) {
      const rows = stmt.all(ts, ts, seq, to, batch) as EventRow[];
      for (const r of rows) yield rowToEvent(r);
      if (rows.length < batch) return;
      ts = rows[rows.length - 1].timestamp;
      seq = rows[rows.length - 1].seq;
    }
  }

  async appendDecisions(decisions: Decision[]): Promise<number> {
    return changedRows(await this.write(decisionSteps(decisions)));
  }

  async *scanDecisions(query: DecisionScanQuery = {}): AsyncIterable<Decision> {
    yield* scanDecisionRows((text) => this.sql(text), query);
  }

  async userSlates(userId: string, query: { limit?: number } = {}): Promise<UserSlate[]> {
    return userSlateRows((text) => this.sql(text), userId, query.limit ?? -1);
  }

  async userDecisions(userId: string): Promise<Decision[]> {
    const rows = this.sql('SELECT * FROM decisions WHERE user_id = ? ORDER BY timestamp, seq').all(userId) as DecisionRow[];
    return rows.map(rowToDecision);
  }

  /**
   * Deletes the oldest rows in chunks on the writer thread (when there is one). Impression events are found
   * through the time index from where the previous chunk stopped, so old non-impression events are walked
   * past once per pass, not on every chunk.
   */
  async prune(query: PruneQuery): Promise<{ slates: number; impressionEvents: number }> {
    const limit = query.limit ?? 1000;
    const steps: WriteStep[] = [];
    if (query.slatesBefore !== undefined) {
      steps.push({
        sql: 'DELETE FROM decisions WHERE seq IN (SELECT seq FROM decisions WHERE timestamp < ? ORDER BY timestamp LIMIT ?)',
        params: [query.slatesBefore, limit],
      });
    }
    const before = query.impressionEventsBefore;
    if (before !== undefined) {
      steps.push({
        sql: `DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE timestamp >= ? AND timestamp < ? AND type = ${typeIndex('impression')}
          ORDER BY timestamp LIMIT ?) RETURNING timestamp`,
        params: [this.impressionPruneFloor, before, limit],
      });
    }
    const results = await this.write(steps);
    const slates = query.slatesBefore !== undefined ? (results.shift() as number) : 0;
    const deleted = before !== undefined ? (results.shift() as number[]) : [];
    // A finished pass starts the next one from the beginning: impressions stored since with old times are found.
    if (before !== undefined) this.impressionPruneFloor = deleted.length < limit ? Number.MIN_SAFE_INTEGER : Math.max(...deleted);
    return { slates, impressionEvents: deleted.length };
  }

  /** One transaction on the writer thread (when there is one), walking the time index from `from`. */
  async pruneEvents(query: EventPruneQuery): Promise<EventPruneResult> {
    const cutoffs = eventCutoffs(query.before);
    if (cutoffs.length === 0) return { deleted: 0, byType: {}, last: null };
    const newest = Math.max(...cutoffs.map(([, before]) => before));
    const [rows] = await this.write([
      {
        sql: `DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE timestamp >= ? AND timestamp < ?
          AND (${cutoffs.map(([type]) => `(type = ${type} AND timestamp < ?)`).join(' OR ')}) ORDER BY timestamp LIMIT ?)
          RETURNING json_array(type, timestamp)`,
        params: [query.from ?? Number.MIN_SAFE_INTEGER, newest, ...cutoffs.map(([, before]) => before), query.limit ?? 1000],
      },
    ]);
    return prunedEvents((rows as string[]).map((r) => JSON.parse(r) as [number, number]));
  }

  /** Incremental vacuum when the file was made with auto_vacuum=INCREMENTAL; otherwise the zeroed pages stay free for reuse. */
  async reclaimSpace(): Promise<ReclaimedSpace> {
    await this.writer?.drain();
    const freeBefore = this.db.pragma('freelist_count', { simple: true }) as number;
    if ((this.db.pragma('auto_vacuum', { simple: true }) as number) !== 2)
      return { method: 'free-list', freedPages: 0, freePages: freeBefore };
    this.db.pragma('incremental_vacuum');
    const freePages = this.db.pragma('freelist_count', { simple: true }) as number;
    return { method: 'incremental-vacuum', freedPages: freeBefore - freePages, freePages };
  }

  async getState(key: string): Promise<unknown> {
    return readState((text) => this.sql(text), key);
  }

  /** On the writer thread when there is one: a policy's saved state runs to megabytes, too long a write for the request thread. */
  async putState(key: string, value: unknown): Promise<void> {
    await this.write([stateWriteStep(key, value)]);
  }

  async listState(prefix: string, options: Omit<ListOptions, 'offset'> = {}): Promise<Array<{ key: string; value: unknown }>> {
    // BINARY collation: keys compare as UTF-8 bytes.
    const rows = this.sql('SELECT key, value FROM state WHERE key >= ? AND key > ? AND substr(key, 1, ?) = ? ORDER BY key LIMIT ?').all(
      prefix,
      options.after ?? '',
      prefix.length,
      prefix,
      options.limit ?? 100,
    ) as Array<{ key: string; value: string }>;
    return rows.map((r) => ({ key: r.key, value: JSON.parse(r.value) as unknown }));
  }

  async deleteState(key: string): Promise<boolean> {
    return this.sql('DELETE FROM state WHERE key = ?').run(key).changes > 0;
  }

  async eraseUser(id: string, options: EraseUserOptions = {}): Promise<ErasedRows> {
    // Writes already posted to the writer thread may hold this user's rows: let them land, then delete.
    await this.writer?.drain();
    const erased = this.transaction(() => {
      const impressions = (
        this.sql(`SELECT count(*) n FROM events WHERE user_id = ? AND type = ${typeIndex('impression')}`).get(id) as { n: number }
      ).n;
      const events = this.sql('DELETE FROM events WHERE user_id = ?').run(id).changes;
      const decisions = this.sql('DELETE FROM decisions WHERE user_id = ?').run(id).changes;
      const user = !options.keepRecord && this.sql('DELETE FROM users WHERE id = ?').run(id).changes > 0;
      return { user, events, impressions, decisions };
    });
    return { ...erased, scrubbed: await this.truncateWal() };
  }

  /**
   * Copies the write-ahead log into the database and truncates it to nothing: the log still holds the
   * pages as they were before the erasure (secure_delete zeroes only the new images). A reader or the
   * writer thread in the middle of a transaction makes it busy; it is tried a few times. True when done.
   */
  private async truncateWal(): Promise<boolean> {
    if (this.db.memory) return true;
    for (let attempt = 1; attempt <= TRUNCATE_ATTEMPTS; attempt++) {
      const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
      if (result?.busy === 0) return true;
      // The background checkpointer's own pass holds the checkpoint lock, and SQLite does not wait for it: on
      // a busy disk a pass outlasts attempts made back to back, so they are spaced out.
      if (attempt < TRUNCATE_ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, TRUNCATE_RETRY_MS * attempt));
    }
    return false;
  }

  async addModelVersion(version: ModelVersion, artifact: Buffer): Promise<void> {
    this.training.addModelVersion(version, artifact);
  }

  async getModelVersion(id: string): Promise<ModelVersion | null> {
    return this.training.getModelVersion(id);
  }

  async listModelVersions(query?: ModelVersionQuery): Promise<ModelVersion[]> {
    return this.training.listModelVersions(query);
  }

  async modelArtifact(id: string): Promise<Buffer | null> {
    // An artifact is megabytes of overflow pages: read on the request thread it stalls every request for
    // that long (a promotion in a serving process), so the background connection reads it when there is one.
    if (!this.writer?.alive) return this.training.modelArtifact(id);
    const [rows] = await this.writer.read([{ sql: MODEL_ARTIFACT_SQL, params: [id] }]);
    const bytes = (rows as Uint8Array[])[0];
    return bytes === undefined ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async servingModelVersion(track?: ModelTrack): Promise<ModelVersion | null> {
    return this.training.servingModelVersion(track);
  }

  async promoteModelVersion(id: string, reason: string): Promise<{ previous: string | null }> {
    return this.training.promoteModelVersion(id, reason);
  }

  async setModelVersionState(id: string, state: 'rejected' | 'retired', reason: string): Promise<void> {
    this.training.setModelVersionState(id, state, reason);
  }

  async replaceModelArtifact(id: string, artifact: Buffer, checksum: string): Promise<void> {
    this.training.replaceModelArtifact(id, artifact, checksum);
  }

  async deleteModelVersion(id: string): Promise<boolean> {
    return this.training.deleteModelVersion(id);
  }

  async addJob(job: Job): Promise<void> {
    this.training.addJob(job);
  }

  async getJob(id: string): Promise<Job | null> {
    return this.training.getJob(id);
  }

  async listJobs(query?: { state?: JobState; kind?: JobKind; limit?: number }): Promise<Job[]> {
    return this.training.listJobs(query);
  }

  async updateJob(id: string, update: JobUpdate): Promise<Job | null> {
    return this.training.updateJob(id, update);
  }

  async claimJob(worker: string): Promise<Job | null> {
    return this.training.claimJob(worker);
  }

  async requeueStaleJobs(staleBefore: string): Promise<string[]> {
    return this.training.requeueStaleJobs(staleBefore);
  }

  async acquireLease(name: string, holder: string, ttlMs: number, nowMs = Date.now()): Promise<boolean> {
    return this.training.acquireLease(name, holder, ttlMs, nowMs);
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    this.training.releaseLease(name, holder);
  }

  async addApiKey(key: StoredApiKey): Promise<void> {
    this.access.addApiKey(key);
  }

  async apiKeyByDigest(digest: string): Promise<StoredApiKey | null> {
    return this.access.apiKeyByDigest(digest);
  }

  async listApiKeys(): Promise<StoredApiKey[]> {
    return this.access.listApiKeys();
  }

  async revokeApiKey(id: string, at: string): Promise<StoredApiKey | null> {
    return this.access.revokeApiKey(id, at);
  }

  async appendAudit(record: AuditRecord): Promise<AuditEntry> {
    return this.access.appendAudit(record);
  }

  async listAudit(query?: AuditQuery): Promise<AuditEntry[]> {
    return this.access.listAudit(query);
  }

  async putItemPictures(pictures: ItemPicture[]): Promise<void> {
    this.pictures.putItemPictures(pictures);
  }

  async getItemPicture(itemId: string): Promise<ItemPicture | null> {
    return this.pictures.getItemPicture(itemId);
  }

  async deleteItemPicture(itemId: string): Promise<boolean> {
    return this.pictures.deleteItemPicture(itemId);
  }

  async *scanItemPictures(batchSize = 1000): AsyncIterable<ItemPicture> {
    let after = '';
    for (;;) {
      const batch = this.pictures.pictureBatch(after, batchSize);
      yield* batch;
      if (batch.length < batchSize) return;
      after = batch[batch.length - 1].itemId;
    }
  }

  async counts(): Promise<StoreCounts> {
    const steps = ['items', 'users', 'events'].map((table) => ({ sql: `SELECT count(*) FROM ${table}`, params: [] }));
    // A count walks a whole index (milliseconds on a large store with a cold cache): a server does it on
    // the writer thread, off the request thread, for every metrics scrape.
    const [items, users, events] = this.writer?.alive ? await this.writer.read(steps) : this.local.read(steps);
    const n = (r: StepResult | undefined) => (Array.isArray(r) ? Number(r[0]) : 0);
    return { items: n(items), users: n(users), events: n(events) };
  }

  itemAudiences(query: ItemAudienceQuery): Promise<ItemAudience[]> {
    return itemAudiences(this.sql, query);
  }

  async stats(options: { top?: number } = {}): Promise<StoreStats> {
    const top = options.top ?? 10;
    const byType: Partial<Record<EventType, number>> = {};
    for (const r of this.sql('SELECT type, count(*) n FROM events GROUP BY type').all() as Array<{ type: number; n: number }>) {
      byType[EVENT_TYPES[r.type]] = r.n;
    }
    const byDay = (
      this.db.prepare(`SELECT date(timestamp / 1000, 'unixepoch') day, count(*) n FROM events GROUP BY day ORDER BY day`).all() as Array<{
        day: string;
        n: number;
      }>
    ).map((r) => ({ day: r.day, events: r.n }));
    const topItems = (
      this.db
        .prepare(
          `SELECT e.item_id id, i.title title, e.n n FROM
          (SELECT item_id, count(*) n FROM events WHERE item_id IS NOT NULL GROUP BY item_id ORDER BY n DESC, item_id LIMIT ?) e
          LEFT JOIN items i ON i.id = e.item_id ORDER BY e.n DESC, e.item_id`,
        )
        .all(top) as Array<{ id: string; title: string | null; n: number }>
    ).map((r) => ({ itemId: r.id, title: r.title, events: r.n }));
    const topCategories = (
      this.db
        .prepare(
          `SELECT i.category category, count(*) n FROM events e JOIN items i ON i.id = e.item_id
          WHERE i.category <> '' GROUP BY i.category ORDER BY n DESC, category LIMIT ?`,
        )
        .all(top) as Array<{ category: string; n: number }>
    ).map((r) => ({ category: r.category, events: r.n }));
    const distinctEventUsers = (this.sql('SELECT count(DISTINCT user_id) n FROM events').get() as { n: number }).n;
    return { ...(await this.counts()), byType, byDay, topItems, topCategories, distinctEventUsers };
  }

  async ping(): Promise<void> {
    this.sql('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.writer?.stop();
    await this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }
}

/** Opens (creating if needed) a SQLite store; the path `:memory:` gives a private in-memory one. */
export function openSqliteStore(path: string, options: OpenStoreOptions = {}): Store {
  return new SqliteStore(path || ':memory:', options);
}
