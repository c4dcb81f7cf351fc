import type { Command } from 'commander';
import type { z } from 'zod';
import { loadConfig, parseOrThrow, type Config } from '../core/index.js';
import { setThreads } from '../nn/index.js';
import { openStore, type Store } from '../store/index.js';

/** Adds the options every command that touches the store shares. */
export function withStoreOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'JSON configuration file (then CURIO_* variables, then flags)')
    .option('-s, --store <url>', 'store URL, e.g. sqlite:./curio.db (default: config store.url)');
}

/** Loads configuration from --config, CURIO_* variables and the flags given as dotted overrides. */
export function configFrom(opts: { config?: string; store?: string }, overrides: Record<string, unknown> = {}): Config {
  const config = loadConfig({ file: opts.config, overrides: { 'store.url': opts.store, ...overrides } });
  // The numeric kernels read CURIO_THREADS themselves; a config file's `threads` reaches them here.
  if (config.threads) setThreads(config.threads);
  return config;
}

/** Validates a command's flags with its zod schema; BAD_INPUT names every flag that is wrong. */
export function parseFlags<T>(schema: z.ZodType<T>, opts: unknown): T {
  return parseOrThrow(schema, opts, 'flags');
}

/** Opens the store the flags name, runs `work`, prints what it returns (a string as is, anything else as JSON), and closes the store. */
export async function withStore(opts: { config?: string; store?: string }, work: (store: Store) => Promise<unknown>): Promise<void> {
  const store = await openStore(configFrom(opts).store.url);
  try {
    const out = await work(store);
    if (out !== undefined) console.log(typeof out === 'string' ? out : JSON.stringify(out, null, 2));
  } finally {
    await store.close();
  }
}
