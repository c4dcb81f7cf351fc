import { createHash, randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { API_SCOPES, CurioError } from '../core/index.js';
import type { Store, StoredApiKey } from '../store/index.js';

/** Marks a string as a Curio key (secret scanners and people recognise it); the rest is random. */
export const API_KEY_PREFIX = 'curio_';
/** 256 bits: far beyond any guessing, which is why a fast hash is enough to store it (docs/privacy.md, "Keys and audit"). */
const KEY_BYTES = 32;

/** A new key: the prefix and 32 random bytes in base64url (no `:` or `,`, so it also fits CURIO_API_KEYS). */
export const generateApiKey = (): string => `${API_KEY_PREFIX}${randomBytes(KEY_BYTES).toString('base64url')}`;

/** SHA-256 of a key, hex: what the store holds and what every request is looked up by. */
export const apiKeyDigest = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** What a caller asks for when creating a key (`POST /v1/admin/keys`, `curio keys create`). */
export const apiKeyInputSchema = z
  .object({
    name: z.string().trim().min(1).max(100).meta({ description: 'What the key is for, e.g. "storefront"' }),
    scopes: z
      .array(z.enum(API_SCOPES))
      .min(1)
      .refine((s) => new Set(s).size === s.length, 'each scope once')
      .meta({ description: '`ingest`, `read`, `admin` (admin holds every scope)' }),
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
      .meta({ description: "Requests per second before 429; null or absent: the server's server.rateLimitPerSecond" }),
  })
  .strict();
export type ApiKeyInput = z.output<typeof apiKeyInputSchema>;

export const KEY_STATES = ['active', 'expired', 'revoked'] as const;
export type KeyState = (typeof KEY_STATES)[number];

/** A stored key as lists show it: everything but the digest, and whether it is still accepted. */
export type ApiKeyListing = Omit<StoredApiKey, 'digest'> & { state: KeyState };

export function keyState(key: StoredApiKey, nowMs = Date.now()): KeyState {
  if (key.revokedAt !== null) return 'revoked';
  return key.expiresAt !== null && Date.parse(key.expiresAt) <= nowMs ? 'expired' : 'active';
}

export function keyListing(key: StoredApiKey, nowMs = Date.now()): ApiKeyListing {
  const { digest: _digest, ...rest } = key;
  return { ...rest, state: keyState(key, nowMs) };
}

/** Creates and stores a key; the returned `key` is the only time it exists outside the caller's hands. */
export async function createApiKey(store: Store, input: ApiKeyInput, createdBy: string): Promise<{ key: string; listing: ApiKeyListing }> {
  const key = generateApiKey();
  const record: StoredApiKey = {
    id: `key-${uuidv7()}`,
    name: input.name,
    digest: apiKeyDigest(key),
    scopes: input.scopes,
    createdAt: new Date().toISOString(),
    expiresAt: input.expiresAt === null ? null : new Date(input.expiresAt).toISOString(),
    revokedAt: null,
    rateLimitPerSecond: input.rateLimitPerSecond,
    createdBy,
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
