import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { CurioError, DEFAULT_CONSENT, EVENT_TYPES, type Consent, type Event, type EventType, type Item, type User } from '../../core/index.js';
import type { AppendResult, ItemPatch, ScanQuery, Store, StoreCounts, StoreStats, UserEventsQuery, UserUpsert } from '../store.js';
import { migrate } from './migrations.js';
import { eventParams, itemToRow, rowToEvent, rowToItem, rowToUser, typeIndex, type EventRow, type ItemRow, type UserRow } from './rows.js';

/** Parameters per multi-row event insert; SQLite allows 32,766 bound parameters. */
const EVENT_COLUMNS = 8;
const ROWS_PER_INSERT = 500;

function typesClause(types: EventType[] | undefined): string {
  return types && types.length ? ` AND type IN (${types.map(typeIndex).join(',')})` : '';
}

class SqliteStore implements Store {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly insertMany: Database.Statement;
  private readonly insertOne: Database.Statement;
  private readonly appendTx: (events: Event[]) => AppendResult;

  constructor(path: string) {
    if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path);
    } catch (cause) {
      throw new CurioError('UNAVAILABLE', `cannot open SQLite database at ${path}: ${(cause as Error).message}`, { cause });
    }
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a killed process (the WAL is in the OS cache); only power loss can drop
    // the last transactions. That is the usual trade for ingest throughput.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);

    const placeholders = '(?,?,?,?,?,?,?,?)';
    const sql = 'INSERT OR IGNORE INTO events (event_id,user_id,item_id,type,value,timestamp,session_id,context) VALUES ';
    this.insertOne = this.db.prepare(sql + placeholders);
    this.insertMany = this.db.prepare(sql + Array(ROWS_PER_INSERT).fill(placeholders).join(','));
    this.appendTx = this.db.transaction((events: Event[]) => this.appendInTx(events));
  }

  // An event id may repeat inside one batch too, so duplicates are counted as input minus rows inserted
  // and named by checking which ids were already present before the insert.
  private appendInTx(events: Event[]): AppendResult {
    const existing = this.existingEventIds(events.map((e) => e.id));
    let accepted = 0;
    let i = 0;
    for (; i + ROWS_PER_INSERT <= events.length; i += ROWS_PER_INSERT) {
      const params: unknown[] = new Array(ROWS_PER_INSERT * EVENT_COLUMNS);
      for (let j = 0; j < ROWS_PER_INSERT; j++) {
        const p = eventParams(events[i + j]);
        for (let c = 0; c < EVENT_COLUMNS; c++) params[j * EVENT_COLUMNS + c] = p[c];
      }
      accepted += this.insertMany.run(params).changes;
    }
    for (; i < events.length; i++) accepted += this.insertOne.run(eventParams(events[i])).changes;
    const duplicateIds: string[] = [];
    const seen = new Set<string>();
    for (const e of events) {
      if (existing.has(e.id) || seen.has(e.id)) duplicateIds.push(e.id);
      seen.add(e.id);
    }
    return { accepted, duplicates: events.length - accepted, duplicateIds };
  }

  private existingEventIds(ids: string[]): Set<string> {
    const found = new Set<string>();
    const stmt = this.db.prepare(`SELECT event_id FROM events WHERE event_id IN (${Array(Math.min(ids.length, 500)).fill('?').join(',')})`);
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const s = chunk.length === 500 ? stmt : this.db.prepare(`SELECT event_id FROM events WHERE event_id IN (${chunk.map(() => '?').join(',')})`);
      for (const r of s.all(chunk) as Array<{ event_id: string }>) found.add(r.event_id);
    }
    return found;
  }

  async upsertItems(items: Item[]): Promise<number> {
    const now = Date.now();
    const stmt = this.db.prepare(`INSERT INTO items (id,title,description,category,category_path,tags,brand,price,attributes,available,created_at,updated_at)
      VALUES (@id,@title,@description,@category,@category_path,@tags,@brand,@price,@attributes,@available,@created_at,@updated_at)
      ON CONFLICT(id) DO UPDATE SET title=excluded.title, description=excluded.description, category=excluded.category,
        category_path=excluded.category_path, tags=excluded.tags, brand=excluded.brand, price=excluded.price,
        attributes=excluded.attributes, available=excluded.available, updated_at=excluded.updated_at`);
    this.db.transaction(() => {
      for (const item of items) stmt.run(itemToRow(item, now));
    })();
    return items.length;
  }

  async getItem(id: string): Promise<Item | null> {
    const row = this.db.prepare('SELECT * FROM items WHERE id = ?').get(id) as ItemRow | undefined;
    return row ? rowToItem(row) : null;
  }

  async getItems(ids: string[]): Promise<Item[]> {
    const out: Item[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = this.db.prepare(`SELECT * FROM items WHERE id IN (${chunk.map(() => '?').join(',')})`).all(chunk) as ItemRow[];
      out.push(...rows.map(rowToItem));
    }
    return out;
  }

  async patchItem(id: string, patch: ItemPatch): Promise<Item | null> {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT * FROM items WHERE id = ?').get(id) as ItemRow | undefined;
      if (!row) return null;
      const merged: Item = { ...rowToItem(row), ...patch, id };
      const next = itemToRow(merged, Date.now());
      this.db
        .prepare(`UPDATE items SET title=@title, description=@description, category=@category, category_path=@category_path,
          tags=@tags, brand=@brand, price=@price, attributes=@attributes, available=@available, created_at=@created_at,
          updated_at=@updated_at WHERE id=@id`)
        .run(next);
      return merged;
    })();
  }

  async deleteItem(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM items WHERE id = ?').run(id).changes > 0;
  }

  async listItems(options: { offset?: number; limit?: number } = {}): Promise<Item[]> {
    const rows = this.db
      .prepare('SELECT * FROM items ORDER BY id LIMIT ? OFFSET ?')
      .all(options.limit ?? 100, options.offset ?? 0) as ItemRow[];
    return rows.map(rowToItem);
  }

  async *scanItems(batchSize = 5000): AsyncIterable<Item> {
    let after = '';
    for (;;) {
      const rows = this.db.prepare('SELECT * FROM items WHERE id > ? ORDER BY id LIMIT ?').all(after, batchSize) as ItemRow[];
      for (const r of rows) yield rowToItem(r);
      if (rows.length < batchSize) return;
      after = rows[rows.length - 1].id;
    }
  }

  async upsertUser(user: UserUpsert): Promise<User> {
    return this.db.transaction(() => {
      const now = Date.now();
      const prev = this.db.prepare('SELECT * FROM users WHERE id = ?').get(user.id) as UserRow | undefined;
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
        .prepare(`INSERT INTO users (id,attributes,tracking,personalization,created_at,updated_at) VALUES (?,?,?,?,?,?)
          ON CONFLICT(id) DO UPDATE SET attributes=excluded.attributes, tracking=excluded.tracking,
          personalization=excluded.personalization, updated_at=excluded.updated_at`)
        .run(next.id, JSON.stringify(next.attributes), consent.tracking ? 1 : 0, consent.personalization ? 1 : 0, next.createdAt, now);
      return next;
    })();
  }

  async getUser(id: string): Promise<User | null> {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row ? rowToUser(row) : null;
  }

  async getConsents(ids: string[]): Promise<Map<string, Consent>> {
    const out = new Map<string, Consent>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 500) {
      const chunk = unique.slice(i, i + 500);
      const rows = this.db
        .prepare(`SELECT id, tracking, personalization FROM users WHERE id IN (${chunk.map(() => '?').join(',')})`)
        .all(chunk) as Array<Pick<UserRow, 'id' | 'tracking' | 'personalization'>>;
      for (const r of rows) out.set(r.id, { tracking: r.tracking === 1, personalization: r.personalization === 1 });
    }
    return out;
  }

  async appendEvents(events: Event[]): Promise<AppendResult> {
    if (events.length === 0) return { accepted: 0, duplicates: 0, duplicateIds: [] };
    return this.appendTx(events);
  }

  async userEvents(userId: string, query: UserEventsQuery = {}): Promise<Event[]> {
    const before = query.before !== undefined ? ' AND timestamp < ?' : '';
    const params: unknown[] = [userId];
    if (query.before !== undefined) params.push(query.before);
    params.push(query.limit ?? -1);
    const rows = this.db
      .prepare(`SELECT * FROM events WHERE user_id = ?${before}${typesClause(query.types)} ORDER BY timestamp DESC, seq DESC LIMIT ?`)
      .all(params) as EventRow[];
    return rows.reverse().map(rowToEvent);
  }

  async *scanEvents(query: ScanQuery = {}): AsyncIterable<Event> {
    const batch = query.batchSize ?? 10_000;
    const to = query.to ?? Number.MAX_SAFE_INTEGER;
    const stmt = this.db.prepare(
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

  async eraseUser(id: string): Promise<{ user: boolean; events: number }> {
    return this.db.transaction(() => {
      const events = this.db.prepare('DELETE FROM events WHERE user_id = ?').run(id).changes;
      const user = this.db.prepare('DELETE FROM users WHERE id = ?').run(id).changes > 0;
      return { user, events };
    })();
  }

  async counts(): Promise<StoreCounts> {
    const one = (sql: string) => (this.db.prepare(sql).get() as { n: number }).n;
    return {
      items: one('SELECT count(*) n FROM items'),
      users: one('SELECT count(*) n FROM users'),
      events: one('SELECT count(*) n FROM events'),
    };
  }

  async stats(options: { top?: number } = {}): Promise<StoreStats> {
    const top = options.top ?? 10;
    const byType: Partial<Record<EventType, number>> = {};
    for (const r of this.db.prepare('SELECT type, count(*) n FROM events GROUP BY type').all() as Array<{ type: number; n: number }>) {
      byType[EVENT_TYPES[r.type]] = r.n;
    }
    const byDay = (
      this.db
        .prepare(`SELECT date(timestamp / 1000, 'unixepoch') day, count(*) n FROM events GROUP BY day ORDER BY day`)
        .all() as Array<{ day: string; n: number }>
    ).map((r) => ({ day: r.day, events: r.n }));
    const topItems = (
      this.db
        .prepare(`SELECT e.item_id id, i.title title, e.n n FROM
          (SELECT item_id, count(*) n FROM events WHERE item_id IS NOT NULL GROUP BY item_id ORDER BY n DESC, item_id LIMIT ?) e
          LEFT JOIN items i ON i.id = e.item_id ORDER BY e.n DESC, e.item_id`)
        .all(top) as Array<{ id: string; title: string | null; n: number }>
    ).map((r) => ({ itemId: r.id, title: r.title, events: r.n }));
    const topCategories = (
      this.db
        .prepare(`SELECT i.category category, count(*) n FROM events e JOIN items i ON i.id = e.item_id
          WHERE i.category <> '' GROUP BY i.category ORDER BY n DESC, category LIMIT ?`)
        .all(top) as Array<{ category: string; n: number }>
    ).map((r) => ({ category: r.category, events: r.n }));
    const distinctEventUsers = (this.db.prepare('SELECT count(DISTINCT user_id) n FROM events').get() as { n: number }).n;
    return { ...(await this.counts()), byType, byDay, topItems, topCategories, distinctEventUsers };
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** Opens (creating if needed) a SQLite store; the path `:memory:` gives a private in-memory one. */
export function openSqliteStore(path: string): Store {
  return new SqliteStore(path || ':memory:');
}
