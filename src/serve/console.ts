import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where `curio serve` serves the console (docs/console.md). */
export const CONSOLE_PATH = '/console';

/**
 * The console's built assets (`vite build` of web/, run by `npm run build`). The same relative path holds from
 * src/serve/ (tsx) and dist/serve/ (the package), both two levels below the package root.
 */
export const CONSOLE_ASSETS = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/**
 * Serves the console's static files at /console/ when they are built, and says so otherwise rather than
 * answering 404s. The pages need no key (auth.ts opens CONSOLE_PATH); the API calls they make do.
 * The console routes by URL hash, so every page is /console/ and no fallback route is needed.
 */
export function installConsole(app: FastifyInstance, assets = CONSOLE_ASSETS): void {
  if (!existsSync(`${assets}/index.html`)) {
    app.get(CONSOLE_PATH, { config: { scope: 'open' }, schema: { hide: true } }, async (_request, reply) =>
      reply.code(503).type('text/plain').send('The console is not built: run `npm run build` (it runs `vite build` of web/).\n'),
    );
    return;
  }
  app.get(CONSOLE_PATH, { config: { scope: 'open' }, schema: { hide: true } }, async (_request, reply) =>
    reply.redirect(`${CONSOLE_PATH}/`),
  );
  app.register(fastifyStatic, {
    root: assets,
    prefix: `${CONSOLE_PATH}/`,
    // The reply decorator belongs to Swagger UI's own registration of the plugin.
    decorateReply: false,
    index: 'index.html',
    // Asset names carry a content hash (Vite), so they may be cached for good; index.html must not be.
    setHeaders: (reply, path) => reply.header('cache-control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable'),
    schemaHide: true,
  });
}
