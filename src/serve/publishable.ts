import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import sjson from 'secure-json-parse';
import { CurioError, type Problem } from '../core/index.js';
import { PUBLISHABLE_EVENT_TYPES, PUBLISHABLE_KEY_PREFIX, PUBLISHABLE_ROUTES, VISITOR_ID_PATTERN } from '../privacy/index.js';
import type { Caller } from './key-resolver.js';

type Publishable = NonNullable<Caller['publishable']>;

/**
 * A publishable key sent as `?key=`: how a page's `navigator.sendBeacon` and plain GETs carry it, since they
 * cannot set headers (a header would also cost every call a CORS preflight). Only keys with the publishable
 * prefix are read from a URL, and the auth hook refuses any other key found there.
 */
export function publishableKeyInUrl(request: FastifyRequest): string | null {
  const query = request.query as Record<string, unknown> | undefined;
  const key = query?.key;
  if (!(typeof key === 'string' && key.startsWith(PUBLISHABLE_KEY_PREFIX))) return null;
  // Taken out of the query: it is how the request travelled, not a parameter of the route (whose query schemas are strict).
  delete query!.key;
  return key;
}

/** The page a request comes from: its Origin header, else the origin of its Referer (same-origin GETs send no Origin). */
export function requestOrigin(request: FastifyRequest): string | null {
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') return origin;
  const referer = request.headers.referer;
  if (typeof referer !== 'string') return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}

const forbidden = (message: string, problems: Problem[] = []) => new CurioError('FORBIDDEN', message, { problems });

/**
 * What the auth hook does for a publishable key instead of checking scopes: refuse a page of another origin
 * (without CORS headers, so that page cannot even read the refusal), allow the key's origin to read the
 * answer, then refuse every route but the visitor ones and any user id that is not a visitor id.
 */
export function admitPublishable(request: FastifyRequest, reply: FastifyReply, key: Publishable): void {
  const origin = requestOrigin(request);
  if (origin === null || !key.origins.has(origin)) {
    throw forbidden(`this publishable key is not accepted from ${origin === null ? 'a request without an Origin' : `origin ${origin}`}`);
  }
  void reply.header('access-control-allow-origin', origin).header('vary', 'Origin').header('access-control-expose-headers', 'retry-after');
  const route = `${request.method} ${request.routeOptions.url ?? ''}`;
  if (!PUBLISHABLE_ROUTES.has(route)) {
    throw forbidden(`a publishable key may only send visitor events and read visitor recommendations, not ${route}`);
  }
  const id = (request.params as Record<string, unknown> | undefined)?.id;
  if (id !== undefined && !(typeof id === 'string' && VISITOR_ID_PATTERN.test(id))) {
    throw forbidden('a publishable key reads recommendations of visitor ids (vis_…) only', [
      { path: 'params.id', message: 'not a visitor id' },
    ]);
  }
}

/** The body rules of a publishable key: every event for a visitor id and of a storefront type; `visitorId` a visitor id. */
function publishableBodyProblems(body: unknown): Problem[] {
  if (typeof body !== 'object' || body === null) return [];
  const problems: Problem[] = [];
  const { events, visitorId } = body as { events?: unknown; visitorId?: unknown };
  if (Array.isArray(events)) {
    events.forEach((event: unknown, i) => {
      const { userId, type } = (typeof event === 'object' && event !== null ? event : {}) as { userId?: unknown; type?: unknown };
      // On POST /v1/recommendations the events carry no userId: the visitor is `visitorId`.
      if (userId !== undefined && !(typeof userId === 'string' && VISITOR_ID_PATTERN.test(userId))) {
        problems.push({ path: `events.${i}.userId`, message: 'a publishable key writes events of visitor ids (vis_…) only' });
      }
      if (typeof type === 'string' && !PUBLISHABLE_EVENT_TYPES.has(type as never)) {
        problems.push({ path: `events.${i}.type`, message: `a publishable key does not send ${type} events` });
      }
    });
  }
  if (visitorId !== undefined && visitorId !== null && !(typeof visitorId === 'string' && VISITOR_ID_PATTERN.test(visitorId))) {
    problems.push({ path: 'visitorId', message: 'not a visitor id (vis_…)' });
  }
  return problems;
}

/**
 * Installs what a publishable key needs beyond the auth hook: its body rules (checked before any handler),
 * and bodies sent as `text/plain` — what `navigator.sendBeacon` sends without a preflight — read as JSON
 * for publishable keys only; for everyone else `text/plain` stays refused.
 */
export function installPublishable(app: FastifyInstance): void {
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (request, body, done) => {
    if (!request.caller?.publishable)
      return done(new CurioError('BAD_INPUT', 'unsupported content type; send application/json'), undefined);
    try {
      done(null, sjson.parse(body as string, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (error) {
      done(new CurioError('BAD_INPUT', `the body is not valid JSON: ${(error as Error).message}`, { cause: error }), undefined);
    }
  });
  app.addHook('preHandler', async (request) => {
    if (!request.caller?.publishable) return;
    const problems = publishableBodyProblems(request.body);
    if (problems.length > 0) throw forbidden(`${problems[0].path}: ${problems[0].message}`, problems);
  });
}
