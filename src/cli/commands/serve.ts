import { InvalidArgumentError, type Command } from 'commander';
import { CONSOLE_PATH, DOCS_PATH, OPENAPI_PATH, startServer } from '../../serve/index.js';
import { configFrom, withStoreOptions } from '../options.js';

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('the port must be an integer from 0 to 65535.');
  }
  return port;
}

/** `curio serve`: runs the HTTP API until SIGTERM/SIGINT, then closes the store. */
export function register(program: Command): void {
  withStoreOptions(program.command('serve'))
    .description('run the HTTP API (events, items, users, recommendations, /docs, /metrics); fits serving.model on start')
    .option('-p, --port <n>', 'port to listen on; 0 picks a free one (default: config server.port, 8080)', parsePort)
    .option('--host <address>', 'address to bind (default: config server.host, 127.0.0.1)')
    .action(async (opts: { config?: string; store?: string; port?: number; host?: string }) => {
      const config = configFrom(opts, { 'server.port': opts.port, 'server.host': opts.host });
      const { url } = await startServer(config);
      console.log(`Curio API listening on ${url}  (store ${config.store.url})`);
      console.log(`  API      ${url}/v1`);
      console.log(`  Console  ${url}${CONSOLE_PATH}/`);
      console.log(`  Docs     ${url}${DOCS_PATH}`);
      console.log(`  OpenAPI  ${url}${OPENAPI_PATH}`);
      console.log(`  Metrics  ${url}/metrics`);
      if (config.auth.disabled) console.log('  WARNING: auth.disabled is true; anyone who can reach this port can read and erase data');
    });
}
