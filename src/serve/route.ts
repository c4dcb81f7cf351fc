import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { z } from 'zod';
import { CurioError, problemsFromZod, type Problem } from '../core/index.js';
import type { RouteScope } from './auth.js';
import { errorBodySchema } from './schemas.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a handler receives: the zod-parsed params, query and body, plus Fastify's request and reply. */
export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  request: FastifyRequest;
  reply: FastifyReply;
}

/** One HTTP route: its contract (zod schemas, scope, docs) and its handler. */
export interface RouteDefinition<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: HttpMethod;
  url: string;
  scope: RouteScope;
  /** One line for the OpenAPI summary. */
  summary: string;
  description?: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** The body the docs show when `body` checks only the envelope (batch rows are validated one by one). */
  documentedBody?: z.ZodType;
  /** Success status → body schema, for the docs. */
  responses: Record<number, z.ZodType>;
  /** Error statuses this route can answer besides 401/403 (added for every scoped route). */
  errors?: number[];
  handler(input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>): Promise<unknown>;
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input; every problem is listed with its path',
  401: 'No API key, or an unknown one',
  403: 'The key lacks the scope this route needs',
  404: 'No such resource',
  413: 'Body larger than server.bodyLimitBytes',
  503: 'The store cannot serve',
};

/** Request schemas are documented as the input they accept; responses as the output they produce. */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

function parsePart<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string, problems: Problem[]): z.output<T> {
  if (!schema) return value as z.output<T>;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  // Body paths are relative to the body ("events.3"); query and path parameters say where they came from.
  problems.push(...problemsFromZod(result.error, where === 'body' ? [] : [where]));
  return undefined as z.output<T>;
}

function badRequest(problems: Problem[]): CurioError {
  const first = `${problems[0].path}: ${problems[0].message}`;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new CurioError('BAD_INPUT', `invalid request: ${first}${more}`, { problems });
}

function responseSchemas<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(def: RouteDefinition<P, Q, B>) {
  const response: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(def.responses)) response[status] = jsonSchema(schema, 'output');
  const errors = new Set(def.errors ?? []);
  if (def.params || def.query || def.body) errors.add(400);
  if (def.body) errors.add(413);
  if (def.scope !== 'open') [401, 403].forEach((s) => errors.add(s));
  for (const status of [...errors].sort((a, b) => a - b)) {
    response[String(status)] = { ...jsonSchema(errorBodySchema, 'output'), description: ERROR_TEXT[status] ?? 'Error' };
  }
  return response;
}

/**
 * Turns a route definition into Fastify route options. Fastify sees JSON Schemas only for the OpenAPI
 * document; the app's validator compiler accepts everything, and zod checks the input here, so every
 * problem comes back as `{path, message}` rather than in ajv's shape.
 */
export function defineRoute<P extends z.ZodType = z.ZodUnknown, Q extends z.ZodType = z.ZodUnknown, B extends z.ZodType = z.ZodUnknown>(
  def: RouteDefinition<P, Q, B>,
): RouteOptions {
  const bodyDoc = def.documentedBody ?? def.body;
  const security: Array<Record<string, string[]>> = def.scope === 'open' ? [] : [{ bearerAuth: [] }, { apiKeyHeader: [] }];
  const scopeNote = def.scope === 'open' ? 'No API key needed.' : `Needs an API key with the \`${def.scope}\` scope (or \`admin\`).`;
  return {
    method: def.method,
    url: def.url,
    config: { scope: def.scope },
    schema: {
      summary: def.summary,
      description: [def.description, scopeNote].filter(Boolean).join('\n\n'),
      tags: [def.tag],
      security,
      ...(def.params ? { params: jsonSchema(def.params, 'input') } : {}),
      ...(def.query ? { querystring: jsonSchema(def.query, 'input') } : {}),
      ...(bodyDoc ? { body: jsonSchema(bodyDoc, 'input') } : {}),
      response: responseSchemas(def),
    },
    handler: async (request, reply) => {
      const problems: Problem[] = [];
      const params = parsePart(def.params, request.params, 'params', problems);
      const query = parsePart(def.query, request.query, 'query', problems);
      const body = parsePart(def.body, request.body, 'body', problems);
      if (problems.length > 0) throw badRequest(problems);
      return def.handler({ params, query, body, request, reply });
    },
  };
}
