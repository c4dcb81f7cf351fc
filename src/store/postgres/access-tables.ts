import type pg from 'pg';
import type { AccessRecords, AuditEntry, AuditQuery, AuditRecord, StoredApiKey } from '../access-records.js';
import { inTransaction, query } from './connection.js';

const parseKey = (rows: Array<{ record: string }>): StoredApiKey | null =>
  rows.length ? (JSON.parse(rows[0].record) as StoredApiKey) : null;

/** API keys and the audit log in PostgreSQL, with the SQLite adapter's semantics (`sqlite/access-tables.ts`). */
export class PostgresAccessTables implements AccessRecords {
  constructor(private readonly pool: pg.Pool) {}

  async addApiKey(key: StoredApiKey): Promise<void> {
    await inTransaction(
      this.pool,
      async (client) => {
        await client.query('INSERT INTO api_keys (id, digest, created_at, record) VALUES ($1, $2, $3, $4)', [
          key.id,
          key.digest,
          Date.parse(key.createdAt),
          JSON.stringify(key),
        ]);
      },
      `API key "${key.id}" (or one with the same digest) exists`,
    );
  }

  async apiKeyByDigest(digest: string): Promise<StoredApiKey | null> {
    return parseKey((await query<{ record: string }>(this.pool, 'SELECT record FROM api_keys WHERE digest = $1', [digest])).rows);
  }

  async listApiKeys(): Promise<StoredApiKey[]> {
    const { rows } = await query<{ record: string }>(this.pool, 'SELECT record FROM api_keys ORDER BY created_at, ord');
    return rows.map((r) => JSON.parse(r.record) as StoredApiKey);
  }

  async revokeApiKey(id: string, at: string): Promise<StoredApiKey | null> {
    return inTransaction(this.pool, async (client) => {
      const key = parseKey((await client.query<{ record: string }>('SELECT record FROM api_keys WHERE id = $1 FOR UPDATE', [id])).rows);
      if (!key || key.revokedAt !== null) return key;
      const revoked: StoredApiKey = { ...key, revokedAt: at };
      await client.query('UPDATE api_keys SET record = $1 WHERE id = $2', [JSON.stringify(revoked), id]);
      return revoked;
    });
  }

  async appendAudit(record: AuditRecord): Promise<AuditEntry> {
    const { rows } = await query<{ seq: number }>(this.pool, 'INSERT INTO audit_log (target, record) VALUES ($1, $2) RETURNING seq', [
      record.target,
      JSON.stringify(record),
    ]);
    return { ...record, id: rows[0].seq };
  }

  async listAudit(q: AuditQuery = {}): Promise<AuditEntry[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (q.before !== undefined) {
      values.push(q.before);
      where.push(`seq < $${values.length}`);
    }
    if (q.target !== undefined) {
      values.push(q.target);
      where.push(`target = $${values.length}`);
    }
    values.push(q.limit ?? 100);
    const clause = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const { rows } = await query<{ seq: number; record: string }>(
      this.pool,
      `SELECT seq, record FROM audit_log${clause} ORDER BY seq DESC LIMIT $${values.length}`,
      values,
    );
    return rows.map((r) => ({ ...(JSON.parse(r.record) as AuditRecord), id: r.seq }));
  }
}
