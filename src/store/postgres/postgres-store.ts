import pg from 'pg';
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
import { appendResult } from '../append-result.js';
import { eventCutoffs, prunedEvents } from '../event-prune.js';
import { DECISION_COLUMNS, decisionParams, rowToDecision, type DecisionRow } from '../sqlite/decision-table.js';
import {
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
} from '../sqlite/rows.js';
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
import { asCurioError, createPool, inTransaction, parseTarget, query, type PostgresTarget, type Prepared } from './connection.js';
import { COPY_MIN_EVENTS, copyEvents, insertEvents } from './event-writes.js';
import { migrate } from './migrations.js';
import { PostgresTrainingTables } from './training-tables.js';
import { PostgresAccessTables } from './access-tables.js';
import { PostgresPictureTables } from './picture-tables.js';
import type { ItemPicture } from '../picture-records.js';
import type { AuditEntry, AuditQuery, AuditRecord, StoredApiKey } from '../access-records.js';

const ITEM_COLUMNS = 'id,title,description,category,category_path,tags,brand,price,attributes,available,created_at,updated_at';
const TIMELINE_COLUMNS = 'seq, event_id, item_id, type, timestamp';
/** Events per statement (or COPY) of one append; one transaction holds them all. */
const EVENTS_PER_STATEMENT = 20_000;
const DEADLOCK_DETECTED = '40P01';
const DEADLOCK_ATTEMPTS = 3;
// Named columns, not *: a prepared statement whose result type changes (a column added by a later migration while
// this process runs) fails until its connection closes.
const USER_BY_ID: Prepared = {
  name: 'curio_user_by_id',
  text: 'SELECT id, attributes, tracking, personalization, created_at, updated_at FROM users WHERE id = $1',
};
/** Decisions per INSERT (PostgreSQL allows 65,535 parameters per statement). */
const DECISION_CHUNK = 500;
const DECISION_WIDTH = DECISION_COLUMNS.split(',').length;

/** An INSERT of `rows` decisions that leaves out ids already stored. */
function insertDecisions(rows: number): string {
  const tuples = Array.from(
    { length: rows },
    (_, r) => `(${Array.from({ length: DECISION_WIDTH }, (_, c) => `$${r * DECISION_WIDTH + c + 1}`).join(',')})`,
  );
  return `INSERT INTO decisions (${DECISION_COLUMNS}) VALUES ${tuples.join(',')} ON CONFLICT (recommendation_id) DO NOTHING`;
}

function typesClause(types: EventType[] | undefined): string {
  return types && types.length ? ` AND type IN (${types.map(typeIndex).join(',')})` : '';
}

function itemValues(item: Item, now: number): unknown[] {
  const r = itemToRow(item, now);
  return [
    r.id,
    r.title,
    r.description,
    r.category,
    r.category_path,
    r.tags,
    r.brand,
    r.price,
    r.attributes,
    r.available,
    r.created_at,
    r.updated_at,
  ];
}

/**
 * The store on PostgreSQL, for a cluster of Curio processes (docs/scaling.md). The same contract and
 * conformance suite as SQLite; every write is one transaction on a pooled connection, and a batch of events
 * is committed (all of it, or none) before `appendEvents` returns, so a client's acknowledgement always
 * follows the commit.
 */
class PostgresStore implements Store {
  readonly kind = 'postgres';
  private readonly training: PostgresTrainingTables;
  private readonly access: PostgresAccessTables;
  private readonly pictures: PostgresPictureTables;
  private impressionPruneFloor = Number.MIN_SAFE_INTEGER;

  constructor(
    private readonly pool: pg.Pool,
    readonly target: PostgresTarget,
  ) {
    this.training = new PostgresTrainingTables(pool);
    this.access = new PostgresAccessTables(pool);
    this.pictures = new PostgresPictureTables(pool);
  }

  async upsertItems(items: Item[]): Promise<number> {
    const now = Date.now();
    await inTransaction(this.pool, async (client) => {
      for (let i = 0; i < items.length; i += 1000) {
        const chunk = items.slice(i, i + 1000);
        const values = chunk.flatMap((item) => itemValues(item, now));
        const width = ITEM_COLUMNS.split(',').length;
        const rows = chunk.map((_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(',')})`);
        await client.query(
          `INSERT INTO items (${ITEM_COLUMNS}) VALUES ${rows.join(',')}
           ON CONFLICT (id) DO UPDATE SET title=EXCLUDED.title, description=EXCLUDED.description, category=EXCLUDED.category,
             category_path=EXCLUDED.category_path, tags=EXCLUDED.tags, brand=EXCLUDED.brand, price=EXCLUDED.price,
             attributes=EXCLUDED.attributes, available=EXCLUDED.available, updated_at=EXCLUDED.updated_at`,
          values,
        );
      }
    });
    return items.length;
  }

  async getItem(id: string): Promise<Item | null> {
    const { rows } = await query<ItemRow>(this.pool, 'SELECT * FROM items WHERE id = $1', [id]);
    return rows.length ? rowToItem(rows[0]) : null;
  }

  async getItems(ids: string[]): Promise<Item[]> {
    if (ids.length === 0) return [];
    const { rows } = await query<ItemRow>(this.pool, 'SELECT * FROM items WHERE id = ANY($1::text[])', [ids]);
    return rows.map(rowToItem);
  }

  async patchItem(id: string, patch: ItemPatch): Promise<Item | null> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<ItemRow>('SELECT * FROM items WHERE id = $1 FOR UPDATE', [id]);
      if (!rows.length) return null;
      const merged: Item = { ...rowToItem(rows[0]), ...patch, id };
      const v = itemValues(merged, Date.now());
      await client.query(
        `UPDATE items SET title=$2, description=$3, category=$4, category_path=$5, tags=$6, brand=$7, price=$8, attributes=$9,
           available=$10, created_at=$11, updated_at=$12 WHERE id=$1`,
        v,
      );
      return merged;
    });
  }

  async deleteItem(id: string): Promise<boolean> {
    return ((await query(this.pool, 'DELETE FROM items WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async listItems(options: ListOptions = {}): Promise<Item[]> {
    let n = 0;
    const { where, args } = itemListFilter(options, () => `$${++n}`);
    const page = options.after === undefined ? `LIMIT $${++n} OFFSET $${++n}` : `LIMIT $${++n}`;
    const pageArgs = options.after === undefined ? [options.limit ?? 100, options.offset ?? 0] : [options.limit ?? 100];
    const { rows } = await query<ItemRow>(this.pool, `SELECT * FROM items${where} ORDER BY id ${page}`, [...args, ...pageArgs]);
    return rows.map(rowToItem);
  }

  async *scanItems(batchSize = 5000): AsyncIterable<Item> {
    let after = '';
    for (;;) {
      const { rows } = await query<ItemRow>(this.pool, 'SELECT * FROM items WHERE id > $1 ORDER BY id LIMIT $2', [after, batchSize]);
      for (const r of rows) yield rowToItem(r);
      if (rows.length < batchSize) return;
      after = rows[rows.length - 1].id;
    }
  }

  async upsertUser(user: UserUpsert): Promise<User> {
    return inTransaction(this.pool, async (client) => {
      // A user not stored yet has no row to lock: the advisory lock orders two first writes of one id.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`curio-user:${user.id}`]);
      const now = Date.now();
      const { rows } = await client.query<UserRow>('SELECT * FROM users WHERE id = $1', [user.id]);
      const before = rows.length ? rowToUser(rows[0]) : null;
      const consent: Consent = { ...DEFAULT_CONSENT, ...before?.consent, ...user.consent };
      const next: User = {
        id: user.id,
        attributes: user.attributes ?? before?.attributes ?? {},
        consent,
        createdAt: before?.createdAt ?? now,
        updatedAt: now,
      };
      await client.query(
        `INSERT INTO users (id,attributes,tracking,personalization,created_at,updated_at) VALUES ($1,$2,$3,$4,$5,$6)
         ON CONFLICT (id) DO UPDATE SET attributes=EXCLUDED.attributes, tracking=EXCLUDED.tracking,
           personalization=EXCLUDED.personalization, updated_at=EXCLUDED.updated_at`,
        [next.id, JSON.stringify(next.attributes), consent.tracking ? 1 : 0, consent.personalization ? 1 : 0, next.createdAt, now],
      );
      return next;
    });
  }

  async getUser(id: string): Promise<User | null> {
    const { rows } = await query<UserRow>(this.pool, USER_BY_ID, [id]);
    return rows.length ? rowToUser(rows[0]) : null;
  }

  async listUsers(options: Omit<ListOptions, 'offset'> = {}): Promise<User[]> {
    const { rows } = await query<UserRow>(this.pool, 'SELECT * FROM users WHERE id > $1 ORDER BY id LIMIT $2', [
      options.after ?? '',
      options.limit ?? 100,
    ]);
    return rows.map(rowToUser);
  }

  async trackingRefused(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await query<{ id: string }>(this.pool, 'SELECT id FROM users WHERE tracking = 0 AND id = ANY($1::text[])', [
      [...new Set(ids)],
    ]);
    return new Set(rows.map((r) => r.id));
  }

  async appendEvents(events: Event[]): Promise<AppendResult> {
    if (events.length === 0) return { accepted: 0, duplicates: 0, duplicateIds: [] };
    const write = () =>
      inTransaction(this.pool, async (client) => {
        const ids: string[] = [];
        for (let i = 0; i < events.length; i += EVENTS_PER_STATEMENT) {
          const chunk = events.slice(i, i + EVENTS_PER_STATEMENT);
          for (const id of chunk.length >= COPY_MIN_EVENTS ? await copyEvents(client, chunk) : await insertEvents(client, chunk))
            ids.push(id);
        }
        return ids;
      });
    // Two writers inserting the same ids in crossing order deadlock, and PostgreSQL aborts one of them; nothing
    // of it was committed, so it runs again (by then the other has committed and its ids count as duplicates).
    for (let attempt = 1; ; attempt++) {
      try {
        return appendResult(events, await write());
      } catch (error) {
        if ((error as { code?: unknown }).code !== DEADLOCK_DETECTED || attempt === DEADLOCK_ATTEMPTS) throw error;
      }
    }
  }

  /** Large appends already take the COPY path; the indexes stay (dropping them would stall every other node's reads). */
  async bulkLoad<T>(_expectedEvents: number, work: () => Promise<T>): Promise<T> {
    return work();
  }

  async userEvents(userId: string, q: UserEventsQuery = {}): Promise<Event[]> {
    return (await this.userRows<EventRow>(userId, q, '*')).map(rowToEvent);
  }

  async userTimeline(userId: string, q: UserEventsQuery = {}): Promise<TimelineEvent[]> {
    return (await this.userRows<TimelineRow>(userId, q, TIMELINE_COLUMNS)).map(rowToTimelineEvent);
  }

  /**
   * A user's newest events, oldest first: one descent of the (user, type, time) index per wanted type, merged
   * in the query, so a typed read (a user's purchases among thousands of views) touches only the rows it
   * returns and an untyped one needs no index of its own (migration 6).
   */
  private async userRows<R extends pg.QueryResultRow>(userId: string, q: UserEventsQuery, columns: string): Promise<R[]> {
    const wanted = [...new Set(q.types && q.types.length > 0 ? q.types : EVENT_TYPES)].map(typeIndex);
    const values: unknown[] = [userId, wanted];
    const before = q.before !== undefined ? ` AND timestamp < $${values.push(q.before)}` : '';
    const limit = `$${values.push(q.limit ?? null)}`;
    const { rows } = await query<R>(
      this.pool,
      `SELECT e.* FROM unnest($2::smallint[]) AS wanted(t) CROSS JOIN LATERAL (
         SELECT ${columns} FROM events WHERE user_id = $1 AND type = wanted.t${before} ORDER BY timestamp DESC, seq DESC LIMIT ${limit}
       ) e ORDER BY e.timestamp DESC, e.seq DESC LIMIT ${limit}`,
      values,
    );
    return rows.reverse();
  }

  async *scanEvents(q: ScanQuery = {}): AsyncIterable<Event> {
    const batch = q.batchSize ?? 10_000;
    const to = q.to ?? Number.MAX_SAFE_INTEGER;
    // Keyset pagination on (timestamp, seq): no cursor held open across batches, so nothing waits on a long scan.
    let ts = q.from ?? Number.MIN_SAFE_INTEGER;
    let seq = -1;
    for (;;) {
      const { rows } = await query<EventRow>(
        this.pool,
        `SELECT * FROM events WHERE (timestamp, seq) > ($1, $2) AND timestamp < $3${typesClause(q.types)} ORDER BY timestamp, seq LIMIT $4`,
        [ts, seq, to, batch],
      );
      for (const r of rows) yield rowToEvent(r);
      if (rows.length < batch) return;
      ts = rows[rows.length - 1].timestamp;
      seq = rows[rows.length - 1].seq;
    }
  }

  async appendDecisions(decisions: Decision[]): Promise<number> {
    if (decisions.length === 0) return 0;
    // One statement is atomic by itself: the served-slate log writes a small batch every flush interval,
    // and BEGIN and COMMIT would triple its round trips.
    if (decisions.length <= DECISION_CHUNK)
      return (await query(this.pool, insertDecisions(decisions.length), decisions.flatMap(decisionParams))).rowCount ?? 0;
    return inTransaction(this.pool, async (client) => {
      let n = 0;
      for (let i = 0; i < decisions.length; i += DECISION_CHUNK) {
        const chunk = decisions.slice(i, i + DECISION_CHUNK);
        n += (await client.query(insertDecisions(chunk.length), chunk.flatMap(decisionParams))).rowCount ?? 0;
      }
      return n;
    });
  }

  async *scanDecisions(q: DecisionScanQuery = {}): AsyncIterable<Decision> {
    const batch = q.batchSize ?? 1000;
    const to = q.to ?? Number.MAX_SAFE_INTEGER;
    let ts = q.from ?? Number.MIN_SAFE_INTEGER;
    let seq = -1;
    for (;;) {
      const { rows } = await query<DecisionRow>(
        this.pool,
        'SELECT * FROM decisions WHERE (timestamp, seq) > ($1, $2) AND timestamp < $3 ORDER BY timestamp, seq LIMIT $4',
        [ts, seq, to, batch],
      );
      for (const r of rows) yield rowToDecision(r);
      if (rows.length < batch) return;
      ts = rows[rows.length - 1].timestamp;
      seq = rows[rows.length - 1].seq;
    }
  }

  async userSlates(userId: string, q: { limit?: number } = {}): Promise<UserSlate[]> {
    const { rows } = await query<{ recommendation_id: string; timestamp: number; shown_items: string }>(
      this.pool,
      `SELECT recommendation_id, timestamp, shown_items FROM decisions WHERE user_id = $1 AND shown_items IS NOT NULL
       ORDER BY timestamp DESC, seq DESC LIMIT $2`,
      [userId, q.limit ?? null],
    );
    return rows.reverse().map((r) => ({
      recommendationId: r.recommendation_id,
      timestamp: r.timestamp,
      itemIds: JSON.parse(r.shown_items) as string[],
    }));
  }

  async userDecisions(userId: string): Promise<Decision[]> {
    const { rows } = await query<DecisionRow>(this.pool, 'SELECT * FROM decisions WHERE user_id = $1 ORDER BY timestamp, seq', [userId]);
    return rows.map(rowToDecision);
  }

  async prune(q: PruneQuery): Promise<{ slates: number; impressionEvents: number }> {
    const limit = q.limit ?? 1000;
    return inTransaction(this.pool, async (client) => {
      let slates = 0;
      if (q.slatesBefore !== undefined) {
        const r = await client.query(
          'DELETE FROM decisions WHERE seq IN (SELECT seq FROM decisions WHERE timestamp < $1 ORDER BY timestamp LIMIT $2)',
          [q.slatesBefore, limit],
        );
        slates = r.rowCount ?? 0;
      }
      const before = q.impressionEventsBefore;
      if (before === undefined) return { slates, impressionEvents: 0 };
      const { rows } = await client.query<{ timestamp: number }>(
        `DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE timestamp >= $1 AND timestamp < $2 AND type = ${typeIndex('impression')}
           ORDER BY timestamp LIMIT $3) RETURNING timestamp`,
        [this.impressionPruneFloor, before, limit],
      );
      // As in SQLite: the next chunk of a pass starts where this one stopped; a finished pass starts over.
      this.impressionPruneFloor = rows.length < limit ? Number.MIN_SAFE_INTEGER : Math.max(...rows.map((r) => r.timestamp));
      return { slates, impressionEvents: rows.length };
    });
  }

  /** One statement (its own transaction), walking the time index from `from`. */
  async pruneEvents(q: EventPruneQuery): Promise<EventPruneResult> {
    const cutoffs = eventCutoffs(q.before);
    if (cutoffs.length === 0) return { deleted: 0, byType: {}, last: null };
    const newest = Math.max(...cutoffs.map(([, before]) => before));
    const { rows } = await query<{ type: number; timestamp: number }>(
      this.pool,
      `DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE timestamp >= $1 AND timestamp < $2
         AND (${cutoffs.map(([type], k) => `(type = ${type} AND timestamp < $${k + 3})`).join(' OR ')})
         ORDER BY timestamp LIMIT $${cutoffs.length + 3}) RETURNING type, timestamp`,
      [q.from ?? Number.MIN_SAFE_INTEGER, newest, ...cutoffs.map(([, before]) => before), q.limit ?? 1000],
    );
    return prunedEvents(rows.map((r) => [Number(r.type), Number(r.timestamp)] as const));
  }

  /** Nothing to do here: autovacuum makes the dead rows' space reusable; giving it back (VACUUM FULL) would lock the tables. */
  async reclaimSpace(): Promise<ReclaimedSpace> {
    return { method: 'autovacuum', freedPages: 0, freePages: null };
  }

  async getState(key: string): Promise<unknown> {
    const { rows } = await query<{ value: string }>(this.pool, 'SELECT value FROM state WHERE key = $1', [key]);
    return rows.length ? (JSON.parse(rows[0].value) as unknown) : null;
  }

  async putState(key: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) throw new CurioError('BAD_INPUT', `state "${key}" must be a JSON value`);
    await query(
      this.pool,
      `INSERT INTO state (key, value, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
      [key, text, Date.now()],
    );
  }

  async listState(prefix: string, options: Omit<ListOptions, 'offset'> = {}): Promise<Array<{ key: string; value: unknown }>> {
    // The "C" collation orders keys by their bytes, as SQLite does.
    const { rows } = await query<{ key: string; value: string }>(
      this.pool,
      'SELECT key, value FROM state WHERE starts_with(key, $1) AND key COLLATE "C" > $2 ORDER BY key COLLATE "C" LIMIT $3',
      [prefix, options.after ?? '', options.limit ?? 100],
    );
    return rows.map((r) => ({ key: r.key, value: JSON.parse(r.value) as unknown }));
  }

  async deleteState(key: string): Promise<boolean> {
    return ((await query(this.pool, 'DELETE FROM state WHERE key = $1', [key])).rowCount ?? 0) > 0;
  }

  async eraseUser(id: string, options: EraseUserOptions = {}): Promise<ErasedRows> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ events: string; impressions: string }>(
        `WITH gone AS (DELETE FROM events WHERE user_id = $1 RETURNING type)
         SELECT count(*) events, count(*) FILTER (WHERE type = ${typeIndex('impression')}) impressions FROM gone`,
        [id],
      );
      const decisions = (await client.query('DELETE FROM decisions WHERE user_id = $1', [id])).rowCount ?? 0;
      const user = !options.keepRecord && ((await client.query('DELETE FROM users WHERE id = $1', [id])).rowCount ?? 0) > 0;
      // Dead tuples keep their bytes until VACUUM reuses the space (docs/privacy.md, "Erasure").
      return { user, events: Number(rows[0].events), impressions: Number(rows[0].impressions), decisions, scrubbed: false };
    });
  }

  addModelVersion(version: ModelVersion, artifact: Buffer): Promise<void> {
    return this.training.addModelVersion(version, artifact);
  }
  getModelVersion(id: string): Promise<ModelVersion | null> {
    return this.training.getModelVersion(id);
  }
  listModelVersions(q?: ModelVersionQuery): Promise<ModelVersion[]> {
    return this.training.listModelVersions(q);
  }
  modelArtifact(id: string): Promise<Buffer | null> {
    return this.training.modelArtifact(id);
  }
  servingModelVersion(track?: ModelTrack): Promise<ModelVersion | null> {
    return this.training.servingModelVersion(track);
  }
  promoteModelVersion(id: string, reason: string): Promise<{ previous: string | null }> {
    return this.training.promoteModelVersion(id, reason);
  }
  setModelVersionState(id: string, state: 'rejected' | 'retired', reason: string): Promise<void> {
    return this.training.setModelVersionState(id, state, reason);
  }
  replaceModelArtifact(id: string, artifact: Buffer, checksum: string): Promise<void> {
    return this.training.replaceModelArtifact(id, artifact, checksum);
  }
  deleteModelVersion(id: string): Promise<boolean> {
    return this.training.deleteModelVersion(id);
  }
  addJob(job: Job): Promise<void> {
    return this.training.addJob(job);
  }
  getJob(id: string): Promise<Job | null> {
    return this.training.getJob(id);
  }
  listJobs(q?: { state?: JobState; kind?: JobKind; limit?: number }): Promise<Job[]> {
    return this.training.listJobs(q);
  }
  updateJob(id: string, update: JobUpdate): Promise<Job | null> {
    return this.training.updateJob(id, update);
  }
  claimJob(worker: string): Promise<Job | null> {
    return this.training.claimJob(worker);
  }
  requeueStaleJobs(staleBefore: string): Promise<string[]> {
    return this.training.requeueStaleJobs(staleBefore);
  }
  acquireLease(name: string, holder: string, ttlMs: number, nowMs?: number): Promise<boolean> {
    return this.training.acquireLease(name, holder, ttlMs, nowMs);
  }
  releaseLease(name: string, holder: string): Promise<void> {
    return this.training.releaseLease(name, holder);
  }

  async addApiKey(key: StoredApiKey): Promise<void> {
    return this.access.addApiKey(key);
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

  async listAudit(q?: AuditQuery): Promise<AuditEntry[]> {
    return this.access.listAudit(q);
  }

  putItemPictures(pictures: ItemPicture[]): Promise<void> {
    return this.pictures.putItemPictures(pictures);
  }

  getItemPicture(itemId: string): Promise<ItemPicture | null> {
    return this.pictures.getItemPicture(itemId);
  }

  deleteItemPicture(itemId: string): Promise<boolean> {
    return this.pictures.deleteItemPicture(itemId);
  }

  scanItemPictures(batchSize?: number): AsyncIterable<ItemPicture> {
    return this.pictures.scanItemPictures(batchSize);
  }

  async counts(): Promise<StoreCounts> {
    const { rows } = await query<{ items: number; users: number; events: number }>(
      this.pool,
      `SELECT (SELECT count(*) FROM items)::int8 items, (SELECT count(*) FROM users)::int8 users, (SELECT count(*) FROM events)::int8 events`,
    );
    return rows[0];
  }

  async itemAudiences(audience: ItemAudienceQuery): Promise<ItemAudience[]> {
    // Each user's items ranked by when they last acted on each; only the newest maxItemsPerUser count.
    const { rows } = await query<{ item: string; users: string }>(
      this.pool,
      `SELECT item_id AS item, count(*) AS users FROM (
           SELECT item_id, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY max(timestamp) DESC, item_id) AS recency
           FROM events WHERE item_id IS NOT NULL AND type <> ${typeIndex('impression')} AND timestamp >= (SELECT timestamp FROM events WHERE type <> ${typeIndex('impression')} ORDER BY timestamp DESC LIMIT 1) - $1
           GROUP BY user_id, item_id
         ) AS touched WHERE recency <= $2 GROUP BY item_id`,
      [audience.windowMs ?? Number.MAX_SAFE_INTEGER, audience.maxItemsPerUser],
    );
    return rows.map((r) => ({ itemId: r.item, users: Number(r.users) }));
  }

  async stats(options: { top?: number } = {}): Promise<StoreStats> {
    const top = options.top ?? 10;
    const byType: Partial<Record<EventType, number>> = {};
    for (const r of (await query<{ type: number; n: number }>(this.pool, 'SELECT type, count(*)::int8 n FROM events GROUP BY type')).rows)
      byType[EVENT_TYPES[r.type]] = r.n;
    const byDay = (
      await query<{ day: string; n: number }>(
        this.pool,
        `SELECT to_char(to_timestamp(div(timestamp, 1000)) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::int8 n
         FROM events GROUP BY day ORDER BY day`,
      )
    ).rows.map((r) => ({ day: r.day, events: r.n }));
    const topItems = (
      await query<{ id: string; title: string | null; n: number }>(
        this.pool,
        `SELECT e.item_id id, i.title title, e.n n FROM
           (SELECT item_id, count(*)::int8 n FROM events WHERE item_id IS NOT NULL GROUP BY item_id ORDER BY n DESC, item_id COLLATE "C" LIMIT $1) e
         LEFT JOIN items i ON i.id = e.item_id ORDER BY e.n DESC, e.item_id COLLATE "C"`,
        [top],
      )
    ).rows.map((r) => ({ itemId: r.id, title: r.title, events: r.n }));
    const topCategories = (
      await query<{ category: string; n: number }>(
        this.pool,
        `SELECT i.category category, count(*)::int8 n FROM events e JOIN items i ON i.id = e.item_id
         WHERE i.category <> '' GROUP BY i.category ORDER BY n DESC, category COLLATE "C" LIMIT $1`,
        [top],
      )
    ).rows.map((r) => ({ category: r.category, events: r.n }));
    const distinctEventUsers = (await query<{ n: number }>(this.pool, 'SELECT count(DISTINCT user_id)::int8 n FROM events')).rows[0].n;
    return { ...(await this.counts()), byType, byDay, topItems, topCategories, distinctEventUsers };
  }

  async ping(): Promise<void> {
    await query(this.pool, 'SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Opens (and migrates) the store at a `postgres://` or `postgresql://` URL. */
export async function openPostgresStore(url: string): Promise<Store> {
  const target = parseTarget(url);
  const pool = createPool(target);
  try {
    const client = await pool.connect();
    try {
      await migrate(client, target.schema);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    const e = asCurioError(error);
    if (e instanceof CurioError) throw e;
    throw new CurioError('UNAVAILABLE', `cannot open the PostgreSQL store at ${target.display}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return new PostgresStore(pool, target);
}
