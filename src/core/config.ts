import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CurioError, problemsFromZod } from './errors.js';
import { DEFAULT_EVENT_WEIGHTS, EVENT_TYPES } from './event-types.js';

export const API_SCOPES = ['ingest', 'read', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

const apiKeySchema = z.object({
  key: z.string().min(16, 'an API key needs at least 16 characters'),
  scopes: z.array(z.enum(API_SCOPES)).min(1),
  name: z.string().optional(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

const weightsSchema = z
  .object(Object.fromEntries(EVENT_TYPES.map((t) => [t, z.number().finite().default(DEFAULT_EVENT_WEIGHTS[t])])))
  .strict() as unknown as z.ZodType<Record<(typeof EVENT_TYPES)[number], number>>;

/** The one configuration schema. Every field has a default; docs/configuration.md lists them all. */
export const configSchema = z.object({
  store: z.object({ url: z.string().default('sqlite:./curio.db') }).default({ url: 'sqlite:./curio.db' }),
  server: z
    .object({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      bodyLimitBytes: z.number().int().positive().default(32 * 1024 * 1024),
      maxBatchEvents: z.number().int().positive().max(100_000).default(10_000),
    })
    .default({ host: '127.0.0.1', port: 8080, bodyLimitBytes: 32 * 1024 * 1024, maxBatchEvents: 10_000 }),
  auth: z
    .object({
      keys: z.array(apiKeySchema).default([]),
      /** Only for local experiments: serve without API keys. */
      disabled: z.boolean().default(false),
    })
    .default({ keys: [], disabled: false }),
  privacy: z
    .object({ idSecret: z.string().min(16, 'the id secret needs at least 16 characters').nullable().default(null) })
    .default({ idSecret: null }),
  events: z.object({ weights: weightsSchema.default(DEFAULT_EVENT_WEIGHTS) }).default({ weights: DEFAULT_EVENT_WEIGHTS }),
  threads: z.number().int().positive().nullable().default(null),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Environment variables and the config path each one sets (the table in docs/configuration.md). */
export const ENV_VARS: ReadonlyArray<{ name: string; path: string; parse: (raw: string) => unknown; doc: string }> = [
  { name: 'CURIO_STORE_URL', path: 'store.url', parse: (s) => s, doc: 'Store URL, e.g. sqlite:./curio.db' },
  { name: 'CURIO_HOST', path: 'server.host', parse: (s) => s, doc: 'Address the HTTP server binds' },
  { name: 'CURIO_PORT', path: 'server.port', parse: Number, doc: 'HTTP port (0 picks a free one)' },
  { name: 'CURIO_BODY_LIMIT_BYTES', path: 'server.bodyLimitBytes', parse: Number, doc: 'Largest request body; larger gets 413' },
  { name: 'CURIO_MAX_BATCH_EVENTS', path: 'server.maxBatchEvents', parse: Number, doc: 'Most events in one POST /v1/events' },
  { name: 'CURIO_API_KEYS', path: 'auth.keys', parse: parseApiKeys, doc: 'Comma-separated key:scope+scope, e.g. k1:ingest+read,k2:admin' },
  { name: 'CURIO_AUTH_DISABLED', path: 'auth.disabled', parse: (s) => s === 'true' || s === '1', doc: 'true serves without API keys (local experiments only)' },
  { name: 'CURIO_ID_SECRET', path: 'privacy.idSecret', parse: (s) => s, doc: 'When set, user ids are stored as HMAC-SHA256(secret, id)' },
  { name: 'CURIO_THREADS', path: 'threads', parse: Number, doc: 'Threads for numeric kernels (default: the machine\'s cores)' },
  { name: 'CURIO_LOG_LEVEL', path: 'logLevel', parse: (s) => s, doc: 'fatal, error, warn, info, debug, trace or silent' },
];

function parseApiKeys(raw: string): ApiKey[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [key, scopes = ''] = entry.split(':');
      return { key, scopes: scopes.split('+').filter(Boolean) as ApiScope[] };
    });
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export interface LoadConfigOptions {
  /** A JSON config file; missing means defaults. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides from command-line flags, as dotted paths ("server.port") or nested objects. */
  overrides?: Record<string, unknown>;
}

/** Reads configuration: defaults, then the file, then CURIO_* variables, then flags. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  let raw: Record<string, unknown> = {};
  if (options.file) {
    try {
      raw = JSON.parse(readFileSync(options.file, 'utf8')) as Record<string, unknown>;
    } catch (cause) {
      throw new CurioError('BAD_INPUT', `cannot read config file ${options.file}: ${(cause as Error).message}`, { cause });
    }
  }
  const fromEnv: Record<string, unknown> = {};
  const env = options.env ?? process.env;
  for (const v of ENV_VARS) {
    const value = env[v.name];
    if (value !== undefined && value !== '') setPath(fromEnv, v.path, v.parse(value));
  }
  const fromFlags: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options.overrides ?? {})) if (v !== undefined) setPath(fromFlags, k, v);
  const merged = deepMerge(deepMerge(raw, fromEnv), fromFlags);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = problemsFromZod(parsed.error);
    throw new CurioError('BAD_INPUT', `invalid configuration: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, {
      problems,
    });
  }
  return parsed.data;
}
