import { createHash } from 'node:crypto';
import { CurioError } from '../core/index.js';
import type { AuditOutcome, AuditRecord, Store } from '../store/index.js';

/**
 * How the audit log names a user: a hash of the stored id (itself HMAC-pseudonymised when CURIO_ID_SECRET is
 * set), never the id, so an erasure's record does not keep what it erased. Without a secret an admin who
 * knows an id can confirm it was erased by hashing it (`curio audit --user <id>`); so could anyone with the
 * log and a list of candidate ids, which the secret prevents.
 */
export function auditUserTarget(storedUserId: string): string {
  return `user:${createHash('sha256').update(`curio-audit\u0000${storedUserId}`, 'utf8').digest('hex').slice(0, 32)}`;
}

/** The actor of every request when auth is disabled. */
export const ANONYMOUS_ACTOR = 'anonymous (auth disabled)';

/** The actor of a request made with a stored key. */
export const storedKeyActor = (id: string): string => `key ${id}`;

/** The actor of a request made with a key from the configuration: its name, else its place in `auth.keys` (from 1). */
export const configKeyActor = (name: string | undefined, index: number): string => `config key ${name ?? `#${index + 1}`}`;

/** An HTTP status as an audit outcome. */
export function auditOutcome(status: number): AuditOutcome {
  if (status < 400) return 'ok';
  if (status === 401 || status === 403) return 'denied';
  return status < 500 ? 'refused' : 'failed';
}

/** Appends one record stamped now. */
export function recordAudit(store: Store, record: Omit<AuditRecord, 'at'>): Promise<unknown> {
  return store.appendAudit({ at: new Date().toISOString(), ...record });
}

export interface AuditedAction<T> {
  actor: string;
  action: string;
  /** The target, or how to read it from the result (a created key's id). */
  target: string | null | ((result: T) => string | null);
}

/**
 * Runs an admin action outside the API (the CLI) and records it, done or not: a CurioError's code gives the
 * outcome (NOT_FOUND is `refused`), anything else is `failed`. The error is rethrown.
 */
export async function audited<T>(store: Store, what: AuditedAction<T>, work: () => Promise<T>): Promise<T> {
  const targetOf = (result: T | undefined): string | null =>
    typeof what.target === 'function' ? (result === undefined ? null : what.target(result)) : what.target;
  let result: T;
  try {
    result = await work();
  } catch (error) {
    const outcome = error instanceof CurioError ? auditOutcome(error.httpStatus) : 'failed';
    await recordAudit(store, { actor: what.actor, action: what.action, target: targetOf(undefined), outcome, status: null });
    throw error;
  }
  await recordAudit(store, { actor: what.actor, action: what.action, target: targetOf(result), outcome: 'ok', status: null });
  return result;
}
