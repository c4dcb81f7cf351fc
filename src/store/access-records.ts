/**
 * Who may call the API and what admins did with it: API keys (by their SHA-256 digest only) and the audit
 * log. Plain records here; the rules about them (the key format, scopes, expiry, what is audited and how a
 * user is named in it) live in `src/privacy`.
 */
import type { ApiScope } from '../core/index.js';

/** An API key managed in the store (`curio keys`, `/v1/admin/keys`); keys from the configuration are not stored. */
export interface StoredApiKey {
  /** Time-ordered id (`key-<uuidv7>`): names the key in lists, revocation and the audit log. Not a secret. */
  id: string;
  /** What the key is for, e.g. "storefront". */
  name: string;
  /** SHA-256 of the key, hex. The key itself is shown once, at creation, and never stored. */
  digest: string;
  scopes: ApiScope[];
  /** ISO times. */
  createdAt: string;
  /** Refused from this time on; null: never expires. */
  expiresAt: string | null;
  /** Refused from this time on; null while not revoked. */
  revokedAt: string | null;
  /** Requests per second before 429; null: the server's `server.rateLimitPerSecond`. */
  rateLimitPerSecond: number | null;
  /** The audit actor that created it ("key key-…", "config key admin", "cli (alice)"). */
  createdBy: string;
  /**
   * Set for a publishable key (a storefront's public key, `scopes` empty): the browser origins it is accepted
   * from. Absent (keys stored before publishable keys existed) or null: a secret key with its scopes.
   */
  publishable?: { origins: string[] } | null;
}

/** How an audited action ended: done, refused for the caller's rights (401/403), refused for its input or state (other 4xx), or failed (5xx). */
export const AUDIT_OUTCOMES = ['ok', 'denied', 'refused', 'failed'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** One admin action as it is appended. */
export interface AuditRecord {
  /** ISO time. */
  at: string;
  /** Who: "key <id>" for a stored key, "config key <name>", "cli (<os user>)". */
  actor: string;
  /** What: the route pattern of an API call ("DELETE /v1/users/:id"), or the command ("curio keys revoke"). */
  action: string;
  /** On what: a key, model or experiment id; a user only as `user:<hash>` (privacy/audit-log.ts), never their id; null when none. */
  target: string | null;
  outcome: AuditOutcome;
  /** The HTTP status answered; null outside the API. */
  status: number | null;
}

/** An appended record with its place in the log. */
export interface AuditEntry extends AuditRecord {
  /** Arrival order, from 1: the cursor of `listAudit`'s `before`. */
  id: number;
}

export interface AuditQuery {
  /** At most this many (default 100). */
  limit?: number;
  /** Only entries with a smaller id (the next page of a newest-first read). */
  before?: number;
  /** Only entries about this target. */
  target?: string;
}

/** The store's part of access control. */
export interface AccessRecords {
  /** CONFLICT when the id or the digest is taken. */
  addApiKey(key: StoredApiKey): Promise<void>;
  /** The key with this digest, revoked and expired ones included (the caller decides), or null. A cheap read: servers make it for each key they have not seen lately. */
  apiKeyByDigest(digest: string): Promise<StoredApiKey | null>;
  /** Every stored key, oldest first. */
  listApiKeys(): Promise<StoredApiKey[]>;
  /** Sets `revokedAt` (kept as it was when already revoked); returns the key after it, or null when unknown. */
  revokeApiKey(id: string, at: string): Promise<StoredApiKey | null>;

  /** Appends one record; returns it with its id. */
  appendAudit(record: AuditRecord): Promise<AuditEntry>;
  /** Newest first. */
  listAudit(query?: AuditQuery): Promise<AuditEntry[]>;
}
