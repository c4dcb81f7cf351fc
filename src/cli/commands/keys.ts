import type { Command } from 'commander';
import { z } from 'zod';
import { parseOrThrow } from '../../core/index.js';
import { apiKeyInputSchema, audited, createApiKey, keyListing, revokeApiKey, type ApiKeyListing } from '../../privacy/index.js';
import { cliActor } from '../cli-actor.js';
import { parseFlags, withStore, withStoreOptions } from '../options.js';

type Opts = { config?: string; store?: string; json?: boolean };

const DAY_MS = 86_400_000;

/** Commander's way to repeat a flag: `--origin a --origin b`. */
const collect = (value: string, previous: string[]): string[] => [...previous, value];

const createFlags = z
  .object({
    name: z.string(),
    scopes: z
      .string()
      .default('')
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      ),
    publishable: z.boolean().default(false),
    origin: z.array(z.string()).default([]),
    expires: z.string().optional(),
    expiresInDays: z.coerce.number().positive().optional(),
    rateLimit: z.coerce.number().optional(),
  })
  .refine((f) => f.expires === undefined || f.expiresInDays === undefined, {
    message: 'give --expires or --expires-in-days, not both',
    path: ['expires'],
  });

const row = (k: ApiKeyListing) => ({
  id: k.id,
  name: k.name,
  scopes: k.scopes.join(','),
  state: k.state,
  created: k.createdAt,
  expires: k.expiresAt ?? 'never',
  kind: k.kind,
  origins: k.origins.join(','),
  'rate limit': k.rateLimitPerSecond ?? 'server',
  'created by': k.createdBy,
});

/** `curio keys create|list|revoke`: API keys kept in the store (as SHA-256 digests); each change is audited. */
export function register(program: Command): void {
  const keys = program.command('keys').description('API keys in the store: create (the key is printed once), list, revoke');
  withStoreOptions(keys.command('create'))
    .description('create a key; it is printed once and stored only as its SHA-256')
    .requiredOption('--name <name>', 'what the key is for, e.g. storefront')
    .option('--scopes <list>', 'comma-separated: ingest, read, admin (a secret key)')
    .option('--publishable', 'a publishable key for a storefront page: visitor events and recommendations only, from --origin')
    .option('--origin <origin>', 'a browser origin a publishable key is accepted from, e.g. https://shop.example (repeatable)', collect, [])
    .option('--expires <iso>', 'refused from this ISO time')
    .option('--expires-in-days <n>', 'refused after this many days')
    .option('--rate-limit <n>', "requests per second before 429 (default: the server's server.rateLimitPerSecond)")
    .option('--json', 'print JSON')
    .action((opts: Opts & Record<string, unknown>) =>
      withStore(opts, async (store) => {
        const flags = parseFlags(createFlags, opts);
        const expiresAt =
          flags.expires ?? (flags.expiresInDays === undefined ? null : new Date(Date.now() + flags.expiresInDays * DAY_MS).toISOString());
        const input = parseOrThrow(
          apiKeyInputSchema,
          {
            name: flags.name,
            scopes: flags.scopes,
            publishable: flags.publishable,
            origins: flags.origin,
            expiresAt,
            rateLimitPerSecond: flags.rateLimit ?? null,
          },
          'flags',
        );
        const created = await audited(store, { actor: cliActor(), action: 'curio keys create', target: (r) => r.listing.id }, () =>
          createApiKey(store, input, cliActor()),
        );
        if (opts.json) return { ...created.listing, key: created.key };
        const { listing } = created;
        return [
          `created ${listing.id} "${listing.name}": ` +
            (listing.kind === 'publishable' ? `publishable from ${listing.origins.join(', ')}` : `scopes ${listing.scopes.join(',')}`) +
            `, expires ${listing.expiresAt ?? 'never'}, ` +
            `rate limit ${listing.rateLimitPerSecond === null ? "the server's" : `${listing.rateLimitPerSecond}/s`}`,
          '',
          `  ${created.key}`,
          '',
          listing.kind === 'publishable'
            ? 'Put it in the storefront page (it is meant to be public); Curio keeps only its SHA-256 and cannot show it again.'
            : 'Store this key now: Curio keeps only its SHA-256 and cannot show it again.',
        ].join('\n');
      }),
    );
  withStoreOptions(keys.command('list'))
    .description('stored keys, oldest first, with their state (never the key)')
    .option('--json', 'print JSON')
    .action((opts: Opts) =>
      withStore(opts, async (store) => {
        const now = Date.now();
        const list = (await store.listApiKeys()).map((k) => keyListing(k, now));
        if (opts.json) return list;
        if (list.length === 0) return 'no stored keys (keys from the configuration are not listed here)';
        console.table(list.map(row));
        return undefined;
      }),
    );
  withStoreOptions(keys.command('revoke <id>'))
    .description('revoke a stored key; running servers refuse it within auth.keyCacheSeconds')
    .action((id: string, opts: Opts) =>
      withStore(opts, async (store) => {
        const key = await audited(store, { actor: cliActor(), action: 'curio keys revoke', target: id }, () => revokeApiKey(store, id));
        return `revoked ${key.id} "${key.name}" at ${key.revokedAt}`;
      }),
    );
}
