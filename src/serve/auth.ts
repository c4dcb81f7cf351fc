import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CurioError, type ApiScope, type Config } from '../core/index.js';
import { CONSOLE_PATH } from './console.js';
import type { ApiKeyResolver, Caller, Resolution } from './key-resolver.js';
import { admitPublishable, publishableKeyInUrl } from './publishable.js';

/** What a route asks of the caller: nothing (`open`) or a key holding this scope (admin holds every scope). */
export type RouteScope = 'open' | ApiScope;

declare module 'fastify' {
  interface FastifyContextConfig {
    scope?: RouteScope;
  }
  interface FastifyRequest {
    /** Whose key the request carries, once the auth hook accepted it; null on open routes and with auth disabled. */
    caller: Caller | null;
  }
}

const REFUSED: Record<Extract<Resolution, { refused: unknown }>['refused'], string> = {
  unknown: 'unknown API key',
  expired: 'this API key has expired',
  revoked: 'this API key has been revoked',
};

/** Throws unless the server has keys or auth is explicitly disabled: an open API by accident is worse than none. */
export function assertAuthConfigured(config: Config): void {
  if (config.auth.disabled || config.auth.keys.length > 0) return;
  throw new CurioError(
    'BAD_INPUT',
    'no API keys configured: set CURIO_API_KEYS (e.g. "<key>:ingest+read,<key2>:admin", keys of 16+ characters) ' +
      'or auth.keys in the config file; set auth.disabled=true (CURIO_AUTH_DISABLED=true) only for local experiments',
  );
}

/**
 * The key a request carries: `Authorization: Bearer <key>` first, then `x-api-key` — also when the
 * Authorization header holds another scheme (a proxy's Basic credentials, say).
 */
export function presentedKey(request: FastifyRequest): string | null {
  const auth = request.headers.authorization;
  const bearer = typeof auth === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  if (bearer) return bearer[1];
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header.length > 0 ? header : null;
}

/**
 * The scope a route needs. Routes declare it in `config.scope`; Swagger UI's pages, the console's files and
 * unmatched URLs are open; any other route that forgot to declare one needs admin, so a new route is closed by default.
 */
export function requiredScope(request: FastifyRequest): RouteScope {
  const declared = request.routeOptions.config?.scope;
  if (declared) return declared;
  const url = request.routeOptions.url;
  if (url === undefined || url === '/docs' || url.startsWith('/docs/')) return 'open';
  // The console's pages and assets; every API call they make carries the signed-in key.
  if (url === CONSOLE_PATH || url.startsWith(`${CONSOLE_PATH}/`)) return 'open';
  return 'admin';
}

/**
 * Adds the onRequest hook that answers 401 without a key, or with an unknown, expired or revoked one, and 403
 * when the key lacks the route's scope (a publishable key: when publishable.ts refuses the route or origin). The caller is set before the scope check, so a refused admin call
 * is still audited under its key.
 */
export function installAuth(app: FastifyInstance, config: Config, keys: ApiKeyResolver): void {
  assertAuthConfigured(config);
  app.decorateRequest('caller', null);
  if (config.auth.disabled) return;
  app.addHook('onRequest', async (request, reply) => {
    const scope = requiredScope(request);
    if (scope === 'open') return;
    const inHeader = presentedKey(request);
    const key = inHeader ?? publishableKeyInUrl(request);
    if (key === null) throw new CurioError('UNAUTHORIZED', 'missing API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"');
    const found = await keys.resolve(key);
    if ('refused' in found) throw new CurioError('UNAUTHORIZED', REFUSED[found.refused]);
    request.caller = found.caller;
    // A publishable key has no scopes: its rights are a fixed list of visitor routes, from its origins only.
    if (found.caller.publishable) return admitPublishable(request, reply, found.caller.publishable);
    // A URL ends up in logs and browser history: only a key meant to be public may travel in one.
    if (inHeader === null) throw new CurioError('UNAUTHORIZED', 'only a publishable key may be sent in the URL');
    const { scopes } = found.caller;
    if (!scopes.has(scope) && !scopes.has('admin')) {
      throw new CurioError('FORBIDDEN', `this key lacks the "${scope}" scope needed for ${request.method} ${request.routeOptions.url}`);
    }
  });
}
