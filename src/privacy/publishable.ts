// What a publishable key may do. It lives in a storefront's page source, so anyone can read it: it may
// only write a visitor's behaviour and read a visitor's recommendations, from the shop's own origins.
import { z } from 'zod';
import type { EventType } from '../core/index.js';

/** Marks a publishable key (`curio_pk_…`), as Stripe marks `pk_`: people and scanners see it is meant to be public. */
export const PUBLISHABLE_KEY_PREFIX = 'curio_pk_';

/**
 * The ids a publishable key may write events for and read recommendations of: `vis_` and 16–64 base64url
 * characters, the form the storefront tracker generates. A public key naming a shop's own customer ids
 * could read their recommendations (what they bought shows through) or poison their profile.
 */
export const VISITOR_ID_PATTERN = /^vis_[A-Za-z0-9_-]{16,64}$/;

/** The routes a publishable key may call, as `METHOD /route/pattern`; every other route answers 403. */
export const PUBLISHABLE_ROUTES: ReadonlySet<string> = new Set([
  'POST /v1/events',
  'POST /v1/recommendations',
  'GET /v1/users/:id/recommendations',
]);

/** Event types a storefront sends; impressions are the server's own record of what it showed. */
export const PUBLISHABLE_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'view',
  'click',
  'cart',
  'remove_from_cart',
  'favorite',
  'purchase',
  'search',
  'dislike',
]);

/** A publishable key's requests per second per visitor address when its creator gives none. */
export const DEFAULT_PUBLISHABLE_RATE_LIMIT = 20;

/** A browser origin exactly as browsers send it: `https://shop.example` or `http://127.0.0.1:8080`, no path or trailing slash. */
export const originSchema = z
  .string()
  .refine((s) => {
    try {
      const url = new URL(s);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === s;
    } catch {
      return false;
    }
  }, 'must be an origin: scheme, host and optional port, e.g. https://shop.example')
  .meta({ description: 'A browser origin, e.g. https://shop.example' });
