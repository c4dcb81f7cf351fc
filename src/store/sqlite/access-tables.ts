import { CurioError } from '../../core/index.js';
import type { AuditEntry, AuditQuery, AuditRecord, StoredApiKey } from '../access-records.js';
import type { WriteTransaction } from './training-tables.js';
import type { StatementCache } from './write-steps.js';

const parseKey = (text: string | undefined): StoredApiKey | null => (text === undefined ? null : (JSON.parse(text) as StoredApiKey));

/**
 * API keys and the audit log on the store's own connection: both are written rarely (an admin's action),
 * and a key is read by the unique digest index, once per key per cache period of each server.
 */
export class AccessTables {
  constructor(
    private readonly sql: StatementCache,
    private readonly transaction: WriteTransaction,
  ) {}

  addApiKey(key: StoredApiKey): void {
    try {
      this.sql('INSERT INTO api_keys (id, digest, created_at, record) VALUES (?, ?, ?, ?)').run(
        key.id,
        key.digest,
        Date.parse(key.createdAt),
        JSON.stringify(key),
      );
    } catch (e) {
      const code = (e as { code?: unknown } | null)?.code;
      if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE')
        throw new CurioError('CONFLICT', `API key "${key.id}" (or one with the same digest) exists`, { cause: e });
      throw e;
    }
  }

  apiKeyByDigest(digest: string): StoredApiKey | null {
    return parseKey(this.sql('SELECT record FROM api_keys WHERE digest = ?').pluck().get(digest) as string | undefined);
  }

  listApiKeys(): StoredApiKey[] {
    const rows = this.sql('SELECT record FROM api_keys ORDER BY created_at, rowid').pluck().all() as string[];
    return rows.map((text) => JSON.parse(text) as StoredApiKey);
  }

  revokeApiKey(id: string, at: string): StoredApiKey | null {
    return this.transaction(() => {
      const key = parseKey(this.sql('SELECT record FROM api_keys WHERE id = ?').pluck().get(id) as string | undefined);
      if (!key || key.revokedAt !== null) return key;
      const revoked: StoredApiKey = { ...key, revokedAt: at };
      this.sql('UPDATE api_keys SET record = ? WHERE id = ?').run(JSON.stringify(revoked), id);
      return revoked;
    });
  }

  appendAudit(record: AuditRecord): AuditEntry {
    const { lastInsertRowid } = this.sql('INSERT INTO audit_log (target, record) VALUES (?, ?)').run(record.target, JSON.stringify(record));
    return { ...record, id: Number(lastInsertRowid) };
  }

  listAudit(query: AuditQuery = {}): AuditEntry[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.before !== undefined) {
      where.push('seq < ?');
      params.push(query.before);
    }
    if (query.target !== undefined) {
      where.push('target = ?');
      params.push(query.target);
    }
    const clause = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const rows = this.sql(`SELECT seq, record FROM audit_log${clause} ORDER BY seq DESC LIMIT ?`).all(
      ...params,
      query.limit ?? 100,
    ) as Array<{
      seq: number;
      record: string;
    }>;
    return rows.map((r) => ({ ...(JSON.parse(r.record) as AuditRecord), id: r.seq }));
  }
}
