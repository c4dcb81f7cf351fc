import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** `/v1/users/<id>` and everything under it: the one place a path holds a shop's user id. */
const USER_PATH = /^(\/v1\/users\/)([^/?#]+)/;
/** Query parameters that name a user. */
const USER_PARAMS = new Set(['visitorid', 'userid']);

/** Stands for a user id in the log: the same tag for the same id within one process, unlinkable across processes. */
export type LogTag = (id: string) => string;

/**
 * A tag from a key drawn when the process starts: it tells requests of one user apart from another's in
 * the log, and is neither the shop's id nor its stored pseudonym (nor a hash anyone could recompute).
 */
export function processLogTag(): LogTag {
  const key = randomBytes(32);
  return (id) => `~${createHmac('sha256', key).update(id, 'utf8').digest('hex').slice(0, 8)}`;
}

/** The URL with each user id in its path or query replaced by its tag, and a `key` parameter by `…`; other URLs unchanged. */
export function redactUrl(url: string, tag: LogTag): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const redactedPath = path.replace(USER_PATH, (_all, prefix: string, id: string) => `${prefix}${tag(decoded(id))}`);
  if (q === -1) return redactedPath;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      // A key in the URL (publishable keys travel there; a secret key put there by mistake is refused) is never logged.
      if (eq !== -1 && decoded(pair.slice(0, eq)).toLowerCase() === 'key') return `${pair.slice(0, eq)}=…`;
      if (eq === -1 || !USER_PARAMS.has(decoded(pair.slice(0, eq)).toLowerCase())) return pair;
      return `${pair.slice(0, eq)}=${tag(decoded(pair.slice(eq + 1).replaceAll('+', ' ')))}`;
    })
    .join('&');
  return `${redactedPath}?${query}`;
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/**
 * The request as the server's log shows it (Fastify's own fields, with `redactUrl` applied): with ids
 * pseudonymised the store never sees a shop's user id, and neither may the log.
 */
export function requestLogSerializer(tag: LogTag = processLogTag()) {
  return (request: FastifyRequest) => ({
    method: request.method,
    url: redactUrl(request.url, tag),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  });
}
