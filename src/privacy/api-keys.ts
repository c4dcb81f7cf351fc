import { createHash, randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { API_SCOPES, CurioError } from '../core/index.js';
import type { Store, StoredApiKey } from '../store/index.js';
import { DEFAULT_PUBLISHABLE_RATE_LIMIT, originSchema, PUBLISHABLE_KEY_PREFIX } from './publishable.js';

/** Marks a string as a Curio key (secret scanners and people recognise it); the rest is random. */
export const API_KEY_PREFIX = 'curio_';
/** 256 bits: far beyond any guessing, which is why a fast hash is enough to store it (docs/privacy.md, "Keys and audit"). */
const KEY_BYTES = 32;

/** A new key: the prefix and 32 random bytes in base64url (no `:` or `,`, so it also fits CURIO_API_KEYS). */
export const generateApiKey = (): string => `${API_KEY_PREFIX}${randomBytes(KEY_BYTES).toString('base64url')}`;

/** A new publishable key: its own prefix, so a secret key can never be mistaken for one (e.g. when sent in a URL). */
export const generatePublishableKey = (): string => `${PUBLISHABLE_KEY_PREFIX}${randomBytes(KEY_BYTES).toString('base64url')}`;

/** SHA-256 of a key, hex: what the store holds and what every request is looked up by. */
export const apiKeyDigest = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** What a caller asks for when creating a key (`POST /v1/admin/keys`, `curio keys create`). */
export const apiKeyInputSchema = z
  .object({
    name: z.string().trim().min(1).max(100).meta({ description: 'What the key is for, e.g. "storefront"' }),
    scopes: z
      .array(z.enum(API_SCOPES))
      .refine((s) => new Set(s).size === s.length, 'each scope once')
      .default([])
      .meta({
        description: '`ingest`, `read`, `admin` (admin holds every scope); at least one for a secret key, none for a publishable key',
      }),
    publishable: z.boolean().default(false).meta({
      description:
        'A publishable key (`curio_pk_…`) for a storefront page: writes visitor events and reads visitor recommendations, only from `origins`',
    }),
    origins: z
      .array(originSchema)
      .max(100)
      .refine((s) => new Set(s).size === s.length, 'each origin once')
      .default([])
      .meta({
        description: 'The browser origins a publishable key is accepted from (CORS); required for a publishable key, refused otherwise',
      }),
    expiresAt: z.iso
      // abort: a time that does not parse is not also said to be in the past
      .datetime({ offset: true, abort: true })
      .refine((t) => Date.parse(t) > Date.now(), 'must be in the future')
      .nullable()
      .default(null)
      .meta({ description: 'ISO time from which the key is refused; null or absent: never expires' }),
    rateLimitPerSecond: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .nullable()
      .default(null)
      .meta({
        description: `Requests per second before 429; null or absent: the server's server.rateLimitPerSecond (a publishable key: ${DEFAULT_PUBLISHABLE_RATE_LIMIT} per visitor address)`,
      }),
  })
  .strict()
  // A key is one kind or the other: a secret key has scopes and no origins, a publishable key the reverse.
  .superRefine((input, ctx) => {
    if (input.publishable) {
      if (input.scopes.length > 0)
        ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'a publishable key has fixed rights; leave scopes out' });
      if (input.origins.length === 0)
        ctx.addIssue({ code: 'custom', path: ['origins'], message: 'a publishable key needs at least one origin' });
    } else {
      if (input.scopes.length === 0) ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'a secret key needs at least one scope' });
      if (input.origins.length > 0)
        ctx.addIssue({ code: 'custom', path: ['origins'], message: 'only a publishable key has origins (add publishable: true)' });
    }
  });
export type ApiKeyInput = z.output<typeof apiKeyInputSchema>;

export const KEY_STATES = ['active', 'expired', 'revoked'] as const;
export type KeyState = (typeof KEY_STATES)[number];

export const KEY_KINDS = ['secret', 'publishable'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

/** A stored key as lists show it: everything but the digest, its kind and origins, and whether it is still accepted. */
export type ApiKeyListing = Omit<StoredApiKey, 'digest' | 'publishable'> & { kind: KeyKind; origins: string[]; state: KeyState };

export function keyState(key: StoredApiKey, nowMs = Date.now()): KeyState {
  if (key.revokedAt !== null) return 'revoked';
  return key.expiresAt !== null && Date.parse(key.expiresAt) <= nowMs ? 'expired' : 'active';
}

export function keyListing(key: StoredApiKey, nowMs = Date.now()): ApiKeyListing {
  const { digest: _digest, publishable, ...rest } = key;
  return { ...rest, kind: publishable ? 'publishable' : 'secret', origins: publishable?.origins ?? [], state: keyState(key, nowMs) };
}

/** Creates and stores a key; the returned `key` is the only time it exists outside the caller's hands. */
export async function createApiKey(store: Store, input: ApiKeyInput, createdBy: string): Promise<{ key: string; listing: ApiKeyListing }> {
  const key = input.publishable ? generatePublishableKey() : generateApiKey();
  const record: StoredApiKey = {
    id: `key-${uuidv7()}`,
    name: input.name,
    digest: apiKeyDigest(key),
    scopes: input.scopes,
    createdAt: new Date().toISOString(),
    expiresAt: input.expiresAt === null ? null : new Date(input.expiresAt).toISOString(),
    revokedAt: null,
    rateLimitPerSecond: input.rateLimitPerSecond ?? (input.publishable ? DEFAULT_PUBLISHABLE_RATE_LIMIT : null),
    createdBy,
    publishable: input.publishable ? { origins: input.origins } : null,
  };
  await store.addApiKey(record);
  return { key, listing: keyListing(record) };
}

/** Revokes a stored key (again: unchanged). NOT_FOUND for an unknown id, which includes every configured key. */
export async function revokeApiKey(store: Store, id: string): Promise<ApiKeyListing> {
  const key = await store.revokeApiKey(id, new Date().toISOString());
  if (!key) throw new CurioError('NOT_FOUND', `no stored API key "${id}" (keys from the configuration are removed there)`);
  return keyListing(key);
}
