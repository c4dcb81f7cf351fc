import { createHash } from 'node:crypto';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { CurioError, type Config } from '../core/index.js';
import { presentedKey, requiredScope } from './auth.js';

/** CORS for the configured browser origins (preflights answered); nothing at all when none are configured. */
export function installCors(app: FastifyInstance, config: Config): void {
  const origins = config.server.corsOrigins;
  if (origins.length === 0) return;
  void app.register(cors, {
    origin: origins.includes('*') ? true : origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'x-api-key', 'content-type'],
    exposedHeaders: ['retry-after'],
    maxAge: 600,
  });
}

/** Who a rate limit counts: the caller's key (its id; a publishable key's per address), else a presented key by its digest (never the key itself), else the address. */
const rateKey = (request: FastifyRequest): string => {
  // A publishable key is public: counted per visitor address, so one page (or anyone who copied the key)
  // cannot use up the storefront's whole allowance.
  if (request.caller?.publishable) return `key:${request.caller.id}:ip:${request.ip}`;
  if (request.caller) return `key:${request.caller.id}`;
  const key = presentedKey(request);
  return key === null ? `ip:${request.ip}` : `key:${createHash('sha256').update(key).digest('hex')}`;
};

/**
 * At most `server.rateLimitPerSecond` requests per second per key, or the key's own limit when it has one
 * (`curio keys create --rate-limit`); beyond, 429 with Retry-After. It counts authenticated requests (the
 * auth hook runs first), so one shop's key cannot starve another's. With auth on it is always installed,
 * since a stored key may bring a limit at any time; a request without a limit is not counted.
 */
export function installRateLimit(app: FastifyInstance, config: Config, redis?: Redis): void {
  const serverMax = config.server.rateLimitPerSecond;
  if (serverMax === 0 && config.auth.disabled) return;
  const limitOf = (request: FastifyRequest): number => request.caller?.rateLimitPerSecond ?? serverMax;
  void app.register(rateLimit, {
    max: (request) => limitOf(request),
    // A cluster counts each key once for all its nodes; while Redis is away every node lets requests through.
    ...(redis ? { redis, nameSpace: `${config.cluster.redisPrefix}rate:`, skipOnError: true } : {}),
    timeWindow: 1000,
    keyGenerator: rateKey,
    // Health probes of a load balancer are not the shop's traffic.
    allowList: (request) => requiredScope(request) === 'open' || limitOf(request) === 0,
    errorResponseBuilder: (_request, context) =>
      new CurioError('RATE_LIMITED', `more than ${context.max} requests per second for this key; retry after ${context.after}`),
  });
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Bounds the writes in flight: past `server.maxPendingWrites`, a write is refused at once with 503 and
 * Retry-After, so a burst the store cannot absorb costs the client a retry instead of the server its memory.
 */
export function installWriteLimit(app: FastifyInstance, config: Config): void {
  const max = config.server.maxPendingWrites;
  let pending = 0;
  app.addHook('onRequest', async (request, reply) => {
    const scope = requiredScope(request);
    if (!WRITE_METHODS.has(request.method) || (scope !== 'ingest' && scope !== 'admin')) return;
    if (pending >= max) {
      void reply.header('retry-after', '1');
      throw new CurioError('UNAVAILABLE', `${max} writes are in flight; retry shortly`);
    }
    pending++;
    reply.raw.once('close', () => pending--);
  });
}
