import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ANONYMOUS_ACTOR, auditOutcome, auditUserTarget, recordAudit, type Pseudonymiser } from '../privacy/index.js';
import type { Store } from '../store/index.js';
import { requiredScope } from './auth.js';

export interface AuditOptions {
  store: Store;
  /** The shop's user id → the stored one (the Ingestor's pseudonymiser). */
  userKey: Pseudonymiser;
  /** Auth is off: requests have no key, and are recorded under this name. */
  authDisabled: boolean;
  warn(message: string, error: unknown): void;
}

const CHANGING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Ids longer than any Curio writes are a caller's junk: kept only this long. */
const MAX_TARGET_CHARS = 256;
/** Responses larger than this are reports, not created resources: their id is not looked for. */
const MAX_PARSED_CHARS = 64 * 1024;

/**
 * Every admin action is recorded in the audit log, from one hook: a request that needs the `admin` scope
 * and is not a read (any method but GET and HEAD), once its answer is ready and before it is sent, so a
 * client that saw the answer can find the record. Requests without a known key are not recorded (there is
 * nobody to name, and nothing was done); a known key refused for its scope is (`denied`).
 */
export function installAudit(app: FastifyInstance, options: AuditOptions): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (!CHANGING_METHODS.has(request.method) || requiredScope(request) !== 'admin') return payload;
    const actor = request.caller?.actor ?? (options.authDisabled ? ANONYMOUS_ACTOR : null);
    if (actor === null) return payload;
    const status = reply.statusCode;
    try {
      await recordAudit(options.store, {
        actor,
        action: `${request.method} ${request.routeOptions.url}`,
        target: auditTarget(request, status, payload, options.userKey),
        outcome: auditOutcome(status),
        status,
      });
    } catch (error) {
      options.warn('appending to the audit log failed', error);
    }
    return payload;
  });
}

/**
 * What an action was on: a user only as the hash of their stored id (routes under /v1/users/:id carry the
 * shop's raw id); else the path's id; else the id the answer names (a created key or experiment, the version
 * a rollback serves).
 */
function auditTarget(request: FastifyRequest, status: number, payload: unknown, userKey: Pseudonymiser): string | null {
  const id = (request.params as { id?: unknown } | undefined)?.id;
  if (request.routeOptions.url?.startsWith('/v1/users/')) return typeof id === 'string' ? auditUserTarget(userKey(id)) : null;
  if (typeof id === 'string') return id.slice(0, MAX_TARGET_CHARS);
  return status < 300 ? answeredId(payload) : null;
}

function answeredId(payload: unknown): string | null {
  if (typeof payload !== 'string' || payload.length > MAX_PARSED_CHARS) return null;
  let body: { id?: unknown; to?: { id?: unknown } } | null;
  try {
    body = JSON.parse(payload) as typeof body;
  } catch {
    return null;
  }
  const id = body?.id ?? body?.to?.id;
  return typeof id === 'string' ? id.slice(0, MAX_TARGET_CHARS) : null;
}
