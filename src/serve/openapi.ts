import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { existsSync, readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/** Where the OpenAPI document and Swagger UI are served. */
export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

/** Curio's version from the nearest package.json (src/ under tsx, dist/ when built). */
export function packageVersion(): string {
  let dir = new URL('.', import.meta.url);
  for (let depth = 0; depth < 5; depth++, dir = new URL('..', dir)) {
    const file = new URL('package.json', dir);
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'curio' && pkg.version) return pkg.version;
  }
  return '0.0.0';
}

/**
 * Registers the OpenAPI 3 generator (fed by each route's schemas, which come from zod), Swagger UI and
 * the raw document. Call before registering the routes, so the generator sees them.
 */
export function registerOpenApi(app: FastifyInstance, options: { version: string }): void {
  app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Curio API',
        version: options.version,
        description:
          'Events, catalogue and users for the Curio recommendation engine. Errors are always `{error: {code, message, problems}}`.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <key>' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
      tags: [
        { name: 'events', description: 'Behaviour events (batch ingest)' },
        { name: 'items', description: 'The catalogue' },
        { name: 'users', description: 'Users, consent and erasure' },
        { name: 'ops', description: 'Health, readiness, metrics' },
        { name: 'training', description: 'The learning loop: model versions, the quality gate, training jobs' },
        { name: 'experiments', description: 'A/B tests: arms, traffic weights, lifecycle' },
        { name: 'ope', description: 'Off-policy evaluation of a candidate policy on logged slates' },
        { name: 'access', description: 'API keys kept in the store, and the audit log of admin actions' },
      ],
    },
  });
  app.register(swaggerUi, { routePrefix: DOCS_PATH });
  app.get(OPENAPI_PATH, { schema: { hide: true }, config: { scope: 'open' } }, async () => app.swagger());
}
