// Hostile HTTP requests generated from the app's own route contracts (fast-check), for the fuzz test and
// `npm run bench:fuzz`. Routes are read from the running app (its OpenAPI document for the contracts, Fastify's
// route tree for the routes the document hides), so a route is fuzzed the day it is added.
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { EVENT_TYPES } from '../../src/core/index.js';
import { KEYS } from './test-app.js';

export type Scope = 'open' | 'read' | 'ingest' | 'admin';

/** The subset of JSON Schema (OpenAPI 3.0 flavour) that zod's toJSONSchema produces for Curio's contracts. */
export interface JsonSchema {
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean | number;
  exclusiveMaximum?: boolean | number;
  format?: string;
  default?: unknown;
}

export interface ParamSpec {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: JsonSchema;
}

/** One registered route and, when the OpenAPI document describes it, its contract. */
export interface RouteSpec {
  method: string;
  /** Fastify's form: `/v1/items/:id`, `/docs/*`. */
  url: string;
  /** From the OpenAPI description; null for routes the document hides (Swagger UI's pages, /openapi.json). */
  scope: Scope | null;
  params: ParamSpec[];
  body: JsonSchema | null;
  documented: boolean;
}

export const routeLabel = (r: { method: string; url: string }): string => `${r.method} ${r.url}`;

/** One generated request. `raw` is set for requests only a socket can carry (they never go through inject). */
export interface HostileRequest {
  /** The route whose contract the request was derived from (its method or path may have been mutated). */
  route: string;
  method: string;
  /** Path and query exactly as sent. */
  url: string;
  headers: Record<string, string | string[]>;
  body?: string | Buffer;
  /** The mutation classes applied, e.g. `body:deep`, `path:bad-percent`, `auth:wrong-key`; `valid` when none. */
  tags: string[];
  /** The bytes to write to a socket (request line, headers, body) when the case exists only at the socket level. */
  raw?: Buffer;
}

/** Ids the generator names so that requests reach real items and users, not only 404s. */
export interface Vocabulary {
  itemIds: string[];
  userIds: string[];
  categories: string[];
}

export interface GeneratorOptions {
  vocabulary: Vocabulary;
  /** server.bodyLimitBytes: oversized bodies are this plus a little. */
  bodyLimitBytes: number;
  /** server.maxBatchEvents: batch arrays one longer than this. */
  maxBatch: number;
}

// ---------------------------------------------------------------------------------------------------------
// Route discovery

interface OpenApiOperation {
  description?: string;
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: JsonSchema }>;
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

/** `(METHOD, url)` pairs from `app.printRoutes({ commonPrefix: false })`, HEAD twins of GET routes left out. */
export function parseRouteTree(tree: string): Array<{ method: string; url: string }> {
  const out: Array<{ method: string; url: string }> = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    stack.length = depth;
    stack.push(m[2]);
    if (!m[3]) continue;
    const url = stack.join('');
    const methods = m[3].split(',').map((s) => s.trim());
    for (const method of methods) if (method !== 'HEAD' || !methods.includes('GET')) out.push({ method, url });
  }
  return out;
}

function scopeOf(description: string | undefined): Scope | null {
  if (!description) return null;
  if (description.includes('No API key needed')) return 'open';
  const m = /Needs an API key with the `(\w+)` scope/.exec(description);
  return m ? (m[1] as Scope) : null;
}

/**
 * Every route the app serves: the OpenAPI document gives each documented route's parameters, body and
 * scope; Fastify's route tree adds the routes the document hides. Throws when the two disagree about a
 * documented route, so a change in either format is noticed rather than silently fuzzing less.
 */
export async function discoverRoutes(app: FastifyInstance): Promise<RouteSpec[]> {
  const res = await app.inject({ method: 'GET', url: '/openapi.json' });
  if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}`);
  const doc = res.json() as { paths: Record<string, Record<string, OpenApiOperation>> };
  const documented = new Map<string, RouteSpec>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    const url = path.replace(/\{(\w+)\}/g, ':$1');
    for (const [method, op] of Object.entries(ops)) {
      const params: ParamSpec[] = (op.parameters ?? [])
        .filter((p) => p.in === 'path' || p.in === 'query')
        .map((p) => ({ name: p.name, in: p.in as 'path' | 'query', required: p.required ?? p.in === 'path', schema: p.schema ?? {} }));
      const body = op.requestBody?.content?.['application/json']?.schema ?? null;
      const spec: RouteSpec = { method: method.toUpperCase(), url, scope: scopeOf(op.description), params, body, documented: true };
      documented.set(routeLabel(spec), spec);
    }
  }
  const tree = parseRouteTree(app.printRoutes({ commonPrefix: false }));
  const inTree = new Set(tree.map(routeLabel));
  const missing = [...documented.keys()].filter((label) => !inTree.has(label));
  if (missing.length > 0)
    throw new Error(`routes in /openapi.json but not in Fastify's route tree (parser out of date?): ${missing.join(', ')}`);
  const hidden: RouteSpec[] = tree
    .filter((r) => !documented.has(routeLabel(r)))
    .map((r) => ({
      ...r,
      scope: null,
      params: [...r.url.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path' as const, required: true, schema: { type: 'string' } })),
      body: null,
      documented: false,
    }));
  return [...documented.values(), ...hidden];
}

// ---------------------------------------------------------------------------------------------------------
// Bodies: JSON values with raw-text holes (for what JSON.stringify cannot write)

/** A piece of JSON text placed verbatim: nesting thousands deep, `__proto__` keys, 1e400, duplicate keys. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of a value that may hold RawJson pieces and own `__proto__` keys (shallow values only: recursive). */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Sets an own property even for `__proto__` (plain assignment would change the prototype). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

type PathStep = string | number;

/** Every node of a JSON value (the root included), with whether it is an object, an array or a leaf. */
function nodesOf(value: unknown): Array<{ path: PathStep[]; kind: 'object' | 'array' | 'leaf' }> {
  const out: Array<{ path: PathStep[]; kind: 'object' | 'array' | 'leaf' }> = [];
  const walk = (v: unknown, path: PathStep[]) => {
    if (v instanceof RawJson || v === null || typeof v !== 'object') return void out.push({ path, kind: 'leaf' });
    if (Array.isArray(v)) {
      out.push({ path, kind: 'array' });
      v.forEach((x, i) => walk(x, [...path, i]));
      return;
    }
    out.push({ path, kind: 'object' });
    for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(value, []);
  return out;
}

/** A copy of `root` with the node at `path` replaced (or removed when `replacement` is the DELETE marker). */
const DELETE = Symbol('delete');
function replaceAt(root: unknown, path: PathStep[], replacement: unknown): unknown {
  if (path.length === 0) return replacement === DELETE ? undefined : replacement;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...root];
    if (rest.length === 0 && replacement === DELETE) copy.splice(head as number, 1);
    else copy[head as number] = replaceAt(copy[head as number], rest, replacement);
    return copy;
  }
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(root as Record<string, unknown>)) {
    if (k !== head) setOwn(copy, k, v);
    else if (rest.length > 0 || replacement !== DELETE) setOwn(copy, k, replaceAt(v, rest, replacement));
  }
  return copy;
}

function getAt(root: unknown, path: PathStep[]): unknown {
  let v = root;
  for (const step of path) v = (v as Record<PathStep, unknown>)[step];
  return v;
}

// ---------------------------------------------------------------------------------------------------------
// Valid-ish values from a route's schema

/** Times are drawn from a fixed past window, so a seed gives the same requests on any day. */
const T_RECENT_MIN = Date.UTC(2023, 0, 1);
const T_RECENT_MAX = Date.UTC(2025, 0, 1);
const ITEM_ID_NAMES = new Set(['itemId', 'itemIds', 'exclude']);
const USER_ID_NAMES = new Set(['userId', 'visitorId']);
const TIME_NAMES = new Set(['timestamp', 'createdAt', 'at', 'before']);

interface SchemaContext {
  /** Property or parameter name, for choosing realistic values. */
  name?: string;
  /** The route's URL, so a path `id` is a user id under /users and an item id under /items. */
  url: string;
  vocab: Vocabulary;
}

const plainString = (min: number, max: number) =>
  fc.oneof(
    { arbitrary: fc.string({ minLength: min, maxLength: Math.max(min, Math.min(max, min + 16)) }), weight: 4 },
    { arbitrary: fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.max(min, Math.min(max, min + 8)) }), weight: 1 },
  );

function stringArb(schema: JsonSchema, ctx: SchemaContext): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 64;
  if (schema.format === 'date-time') {
    return fc.date({ min: new Date(T_RECENT_MIN), max: new Date(T_RECENT_MAX), noInvalidDate: true }).map((d) => d.toISOString());
  }
  const name = ctx.name ?? '';
  const pool = (ids: string[]) =>
    fc.oneof({ arbitrary: fc.constantFrom(...ids), weight: 4 }, { arbitrary: plainString(Math.max(min, 1), max), weight: 1 });
  if (name === 'types') return fc.subarray([...EVENT_TYPES], { minLength: 1, maxLength: 3 }).map((t) => t.join(','));
  if (name === 'exclude') return fc.subarray(ctx.vocab.itemIds, { maxLength: 4 }).map((ids) => ids.join(','));
  if (name === 'category') return pool(ctx.vocab.categories);
  if (ITEM_ID_NAMES.has(name)) return pool(ctx.vocab.itemIds);
  if (USER_ID_NAMES.has(name)) return pool(ctx.vocab.userIds);
  if (name === 'id' && ctx.url.startsWith('/v1/users/')) return pool(ctx.vocab.userIds);
  if (name === 'id' && ctx.url.startsWith('/v1/items/')) return pool(ctx.vocab.itemIds);
  return plainString(min, max);
}

function numberArb(schema: JsonSchema, ctx: SchemaContext, integer: boolean): fc.Arbitrary<number> {
  const lo = Math.max(schema.minimum ?? -1e6, -1e6);
  const hi = Math.min(schema.maximum ?? 1e6, 1e6);
  if (TIME_NAMES.has(ctx.name ?? ''))
    return fc.integer({ min: Math.max(lo, T_RECENT_MIN), max: Math.min(schema.maximum ?? T_RECENT_MAX, T_RECENT_MAX) });
  if (!integer) {
    return fc.double({
      min: lo,
      max: hi,
      minExcluded: schema.exclusiveMinimum === true,
      maxExcluded: schema.exclusiveMaximum === true,
      noNaN: true,
      noDefaultInfinity: true,
    });
  }
  // Near each bound, near zero when allowed, and anywhere between.
  const ranges: Array<[number, number]> = [
    [lo, Math.min(hi, lo + 100)],
    [Math.max(lo, hi - 100), hi],
    [lo, hi],
  ];
  if (Math.max(lo, -100) <= Math.min(hi, 100)) ranges.push([Math.max(lo, -100), Math.min(hi, 100)]);
  return fc.oneof(...ranges.map(([min, max]) => fc.integer({ min, max })));
}

/** A value the schema accepts (mostly: refinements beyond JSON Schema, such as "not in the future", may still fail). */
export function valueArb(schema: JsonSchema, ctx: SchemaContext): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => valueArb(s, ctx)));
  if (schema.allOf?.length) return valueArb(Object.assign({}, ...schema.allOf) as JsonSchema, ctx);
  const base = baseArb(schema, ctx);
  return schema.nullable ? fc.oneof({ arbitrary: base, weight: 4 }, { arbitrary: fc.constant(null), weight: 1 }) : base;
}

function baseArb(schema: JsonSchema, ctx: SchemaContext): fc.Arbitrary<unknown> {
  switch (schema.type) {
    case 'string':
      return stringArb(schema, ctx);
    case 'integer':
      return numberArb(schema, ctx, true);
    case 'number':
      return numberArb(schema, ctx, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      // Elements of an id list are single ids (`exclude` and `types` are comma-joined only as query strings).
      const item = valueArb(schema.items ?? {}, { ...ctx, name: ctx.name === 'exclude' || ctx.name === 'itemIds' ? 'itemId' : ctx.name });
      const minLength = schema.minItems ?? 0;
      return fc.array(item, { minLength, maxLength: Math.max(minLength, Math.min(schema.maxItems ?? 4, 4)) });
    }
    case 'object':
      return objectArb(schema, ctx);
    default:
      // `{}`: any JSON value (free-form attributes).
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectArb(schema: JsonSchema, ctx: SchemaContext): fc.Arbitrary<unknown> {
  const props = Object.entries(schema.properties ?? {});
  if (props.length === 0) {
    const extra = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {};
    return fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), valueArb(extra, { ...ctx, name: undefined }), { maxKeys: 4 });
  }
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, s] of props) model[name] = valueArb(s, { ...ctx, name });
  return fc.record(model, { requiredKeys: schema.required ?? [] });
}

// ---------------------------------------------------------------------------------------------------------
// Hostile pieces

const nest = (depth: number, kind: 'object' | 'array') =>
  kind === 'object' ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}1${']'.repeat(depth)}`;

/** Depths from just over Curio's attribute limit (10) to far past any recursive walker's stack. */
const deepJson = fc
  .tuple(fc.constantFrom(11, 100, 1_000, 5_000, 20_000, 60_000), fc.constantFrom<'object' | 'array'>('object', 'array'))
  .map(([d, kind]) => new RawJson(nest(d, kind)));

const hostileNumber = fc.oneof(
  fc.constantFrom(
    new RawJson('1e309'),
    new RawJson('-1e309'),
    new RawJson('1e-400'),
    new RawJson('-0'),
    new RawJson('123456789012345678901234567890123456789'),
    new RawJson('9'.repeat(400)),
    new RawJson('0.000000000000000000000000000001'),
  ),
  fc.constantFrom(-1, -0.5, 1.5, 2 ** 53 + 2, -(2 ** 53) - 2, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 31, 2 ** 32 + 1),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e3', ' 1 ', '0x10', '1_000', ''),
);

/** Strings no id should be: lone surrogates, control characters, over-long, bidi and zero-width tricks. */
const hostileText = fc.oneof(
  fc.constantFrom(
    '\uD800',
    '\uDFFF',
    'a\uD83Db',
    '\uDC00\uD800',
    '\u0000',
    'nul\u0000inside',
    '\u001f',
    '\u007f',
    '\r\n',
    '\u2028\u2029',
    '\u202Eevil',
    '\u200B',
    '\uFEFF',
    'e\u0301\u0301\u0301',
    '😀',
    ' ',
    '',
    '__proto__',
    'constructor',
    'toString',
    '../../etc/passwd',
    "' OR 1=1 --",
    '%00',
    '%zz',
    '<script>alert(1)</script>',
    'null',
  ),
  fc.constantFrom(257, 1_001, 20_001, 100_000).map((n) => 'x'.repeat(n)),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
);

const wrongTyped = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, 1, -1, '', 'x', [], {}, [null], { a: 1 }, [[[]]]),
  fc.jsonValue({ maxDepth: 3 }),
);

const protoPieces = fc.constantFrom(
  new RawJson('{"__proto__":{"polluted":true}}'),
  new RawJson('{"constructor":{"prototype":{"polluted":true}}}'),
  new RawJson('{"__proto__":null}'),
  new RawJson('{"a":1,"__proto__":[]}'),
  new RawJson('{"prototype":{"x":1},"constructor":1}'),
  new RawJson('{"a":1,"a":2}'),
);

const hostileKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  '',
  '\u0000',
  '\uD800',
  'x'.repeat(5_000),
  'unknown',
  'events',
  'items',
);

/** Whole bodies that are not the JSON object a route wants. */
const rootBodies = (limit: number): fc.Arbitrary<{ tag: string; body: string | Buffer }> =>
  fc.oneof(
    fc
      .constantFrom('', ' ', '\n\t ', 'null', '[]', '0', '-1', '"x"', 'true', '{}', '[{}]')
      .map((body) => ({ tag: 'body:root-scalar', body })),
    fc
      .constantFrom(
        '{',
        '}',
        '{"a":}',
        "{'a':1}",
        '{"a":1,}',
        'NaN',
        'undefined',
        '{"a":1}{"b":2}',
        '{"a":"\\x"}',
        '{"a":"\\ud800"}',
        '\uFEFF{}',
        '{"a":1',
        '[',
        '"',
        '{"a": 01}',
      )
      .map((body) => ({ tag: 'body:invalid-json', body })),
    deepJson.map((raw) => ({ tag: 'body:deep-root', body: raw.text })),
    protoPieces.map((raw) => ({ tag: 'body:proto-root', body: raw.text })),
    fc
      .constantFrom(
        Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
        Buffer.from([0xc0, 0xaf]),
        Buffer.from('{"a":"\xff"}', 'latin1'),
        Buffer.from('{"events":[]}', 'utf16le'),
        Buffer.from([0, 0, 0, 0]),
      )
      .map((body) => ({ tag: 'body:bad-bytes', body })),
    fc.constantFrom(1, 1024).map((extra) => ({ tag: 'body:oversize', body: `{"pad":"${'p'.repeat(limit + extra)}"}` })),
  );

// ---------------------------------------------------------------------------------------------------------
// Request drafts and mutations

type Body = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'raw'; data: string | Buffer };

interface Draft {
  route: RouteSpec;
  method: string;
  /** Path with each `:param` already substituted (percent-encoded as sent). */
  path: string;
  /** Query pairs, already encoded. */
  query: Array<[string, string]>;
  headers: Record<string, string | string[]>;
  body: Body;
  tags: string[];
}

type Mutation = (d: Draft) => Draft;

/** Percent-encodes like encodeURIComponent, but writes a lone surrogate as the bytes UTF-8 would give it (invalid). */
export function encodeSegment(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    let out = '';
    for (const ch of text) {
      const code = ch.codePointAt(0)!;
      if (code >= 0xd800 && code <= 0xdfff)
        out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
          .map((b) => `%${b.toString(16).toUpperCase()}`)
          .join('');
      else out += encodeURIComponent(ch);
    }
    return out;
  }
}

const queryText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function draftArb(route: RouteSpec, vocab: Vocabulary): fc.Arbitrary<Draft> {
  const pathParams = route.params.filter((p) => p.in === 'path');
  const queryParams = route.params.filter((p) => p.in === 'query');
  const pathArb = fc.tuple(
    ...pathParams.map((p) =>
      route.url.includes('*') ? fc.constantFrom('index.css', 'x', 'a/b/c') : valueArb(p.schema, { name: p.name, url: route.url, vocab }),
    ),
  );
  const wildcard = route.url.endsWith('*')
    ? fc.constantFrom('', 'index.css', 'swagger-ui.css', 'nope', 'a/b/c', 'static/logo.svg')
    : fc.constant('');
  const queryArb = fc.tuple(
    ...queryParams.map((p) =>
      fc.oneof(
        { arbitrary: fc.constant(undefined), weight: p.required ? 0 : 1 },
        { arbitrary: valueArb(p.schema, { name: p.name, url: route.url, vocab }), weight: 1 },
      ),
    ),
  );
  const bodyArb: fc.Arbitrary<Body> = route.body
    ? valueArb(route.body, { url: route.url, vocab }).map((value) => ({ kind: 'json' as const, value }))
    : fc.constant({ kind: 'none' as const });
  return fc.tuple(pathArb, wildcard, queryArb, bodyArb, authArb(route)).map(([pathValues, rest, queryValues, body, auth]) => {
    let k = 0;
    const path = route.url.replace(/:(\w+)/g, () => encodeSegment(String(pathValues[k++]))).replace(/\*$/, rest);
    const query: Array<[string, string]> = [];
    queryParams.forEach((p, i) => {
      if (queryValues[i] !== undefined) query.push([p.name, encodeURIComponent(queryText(queryValues[i]))]);
    });
    const headers: Record<string, string | string[]> = { ...auth.headers };
    if (body.kind !== 'none') headers['content-type'] = 'application/json';
    return { route, method: route.method, path, query, headers, body, tags: auth.tag ? [auth.tag] : [] };
  });
}

/** Keys: mostly the one the route needs, else none, an unknown one, each scope, or a malformed header. */
function authArb(route: RouteSpec): fc.Arbitrary<{ headers: Record<string, string | string[]>; tag: string | null }> {
  const needed = route.scope === null || route.scope === 'open' ? null : KEYS[route.scope];
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  return fc.oneof(
    { arbitrary: fc.constant({ headers: needed ? bearer(needed) : {}, tag: null }), weight: 12 },
    { arbitrary: fc.constant({ headers: bearer(KEYS.admin), tag: 'auth:admin' }), weight: 3 },
    {
      arbitrary: fc.constantFrom<keyof typeof KEYS>('read', 'ingest').map((s) => ({ headers: bearer(KEYS[s]), tag: `auth:${s}` })),
      weight: 3,
    },
    { arbitrary: fc.constant({ headers: {}, tag: 'auth:none' }), weight: 2 },
    {
      arbitrary: fc.oneof(
        fc
          .constantFrom('wrong-key-0123456789', '', 'a', 'x'.repeat(10_000), `${KEYS.admin} `, KEYS.admin.toUpperCase())
          .map((k) => ({ headers: bearer(k), tag: 'auth:wrong-key' })),
        fc
          .constantFrom<Record<string, string | string[]>>(
            { 'x-api-key': KEYS.admin },
            { 'x-api-key': '' },
            { authorization: `bearer   ${KEYS.read}` },
            { authorization: `Basic ${Buffer.from('u:p').toString('base64')}`, 'x-api-key': KEYS.admin },
            { authorization: 'Bearer' },
            { authorization: `Bearer ${KEYS.read} ${KEYS.admin}` },
            { authorization: `Token ${KEYS.admin}` },
            { authorization: [`Bearer ${KEYS.read}`, `Bearer ${KEYS.admin}`] },
            { 'x-api-key': [KEYS.ingest, KEYS.admin] },
            { authorization: `Bearer ${KEYS.admin}\u0000` },
          )
          .map((headers) => ({ headers, tag: 'auth:malformed' })),
      ),
      weight: 2,
    },
  );
}

/** Body mutations: at a random node of a valid body (or the whole body). */
function bodyMutations(options: GeneratorOptions): fc.Arbitrary<Mutation> {
  const atNode = (tag: string, piece: fc.Arbitrary<unknown>, kinds?: Array<'object' | 'array' | 'leaf'>) =>
    fc.tuple(fc.nat(), piece).map(([pick, value]): Mutation => (d) => {
      const current = d.body.kind === 'json' ? d.body.value : {};
      const nodes = nodesOf(current).filter((n) => !kinds || kinds.includes(n.kind));
      if (nodes.length === 0) return d;
      const node = nodes[pick % nodes.length];
      return { ...d, body: { kind: 'json', value: replaceAt(current, node.path, value) }, tags: [...d.tags, tag] };
    });
  const addKey = fc.tuple(fc.nat(), hostileKey, wrongTyped).map(([pick, key, value]): Mutation => (d) => {
    const current = d.body.kind === 'json' ? d.body.value : {};
    const objects = nodesOf(current).filter((n) => n.kind === 'object');
    if (objects.length === 0) return d;
    const node = objects[pick % objects.length];
    const target = { ...(getAt(current, node.path) as Record<string, unknown>) };
    setOwn(target, key, value);
    return { ...d, body: { kind: 'json', value: replaceAt(current, node.path, target) }, tags: [...d.tags, 'body:extra-key'] };
  });
  const dropKey = fc.nat().map((pick): Mutation => (d) => {
    const current = d.body.kind === 'json' ? d.body.value : null;
    const keyed = nodesOf(current).filter((n) => typeof n.path.at(-1) === 'string');
    if (keyed.length === 0) return d;
    return {
      ...d,
      body: { kind: 'json', value: replaceAt(current, keyed[pick % keyed.length].path, DELETE) },
      tags: [...d.tags, 'body:missing-key'],
    };
  });
  const bigArray = fc.constantFrom(options.maxBatch + 1, 1_001, 201, 501).map((n) => new RawJson(`[${Array(n).fill('{}').join(',')}]`));
  const root = rootBodies(options.bodyLimitBytes).map(({ tag, body }): Mutation => (d) => ({
    ...d,
    body: { kind: 'raw', data: body },
    headers: { 'content-type': 'application/json', ...d.headers },
    tags: [...d.tags, tag],
  }));
  return fc.oneof(
    { arbitrary: atNode('body:wrong-type', wrongTyped), weight: 4 },
    { arbitrary: atNode('body:number', hostileNumber, ['leaf']), weight: 3 },
    { arbitrary: atNode('body:string', hostileText, ['leaf']), weight: 4 },
    { arbitrary: atNode('body:deep', deepJson), weight: 2 },
    { arbitrary: atNode('body:proto-key', protoPieces, ['object', 'leaf']), weight: 2 },
    { arbitrary: atNode('body:big-array', bigArray, ['array']), weight: 1 },
    { arbitrary: addKey, weight: 2 },
    { arbitrary: dropKey, weight: 2 },
    { arbitrary: root, weight: 3 },
  );
}

const CONTENT_TYPES = [
  null,
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/jsonx',
  'application/json-patch+json',
  'application/vnd.api+json',
  '*/*',
  'application/*',
  ';;;',
  '/',
  'application/json; boundary',
  'application/json, text/plain',
  `application/json; x=${'y'.repeat(2_000)}`,
  'application/octet-stream',
];

function contentTypeMutation(): fc.Arbitrary<Mutation> {
  return fc.constantFrom(...CONTENT_TYPES).map((type): Mutation => (d) => {
    const headers = { ...d.headers };
    if (type === null) delete headers['content-type'];
    else headers['content-type'] = type;
    const body: Body =
      d.body.kind === 'none' ? { kind: 'raw', data: type?.startsWith('application/x-www') ? 'a=1&b=2' : '{"a":1}' } : d.body;
    return { ...d, headers, body, tags: [...d.tags, type === null ? 'content-type:missing' : 'content-type:wrong'] };
  });
}

/** A JSON body on a route that takes none (GET with a body, DELETE with a body). */
const unwantedBody = fc.constantFrom('{}', '{"a":1}', '[]', 'not json', nest(5_000, 'array')).map((data): Mutation => (d) => ({
  ...d,
  body: { kind: 'raw', data },
  headers: { ...d.headers, 'content-type': 'application/json' },
  tags: [...d.tags, 'body:unwanted'],
}));

const BAD_PERCENT = [
  '%',
  '%z',
  '%zz',
  '%E0%A4',
  '%ED%A0%80',
  '%ED%B0%80',
  '%C0%AF',
  '%FF',
  '%C3',
  '%F4%90%80%80',
  '%%',
  '%u0041',
  '%0',
  'a%2',
  '%00',
  '%0A',
  '%7F',
  '%2F',
  '%5C',
];

/** Path segments: lone surrogates and control characters (encoded), bad percent-encoding, over-long ids, dot segments. */
const hostileSegment = fc.oneof(
  { arbitrary: hostileText.filter((s) => s.length <= 20_001).map((s) => ({ tag: 'path:hostile-id', seg: encodeSegment(s) })), weight: 4 },
  { arbitrary: fc.constantFrom(...BAD_PERCENT).map((seg) => ({ tag: 'path:bad-percent', seg })), weight: 3 },
  { arbitrary: fc.constantFrom(256, 257, 1_024, 1_025, 4_000).map((n) => ({ tag: 'path:long-id', seg: 'i'.repeat(n) })), weight: 2 },
  { arbitrary: fc.constantFrom(86, 400).map((n) => ({ tag: 'path:long-id', seg: '%E2%82%AC'.repeat(n) })), weight: 1 },
  {
    arbitrary: fc
      .constantFrom('.', '..', '%2e%2e', '..%2F..', ';', '~', '*', ':id', '{id}', '%20', '+')
      .map((seg) => ({ tag: 'path:odd-segment', seg })),
    weight: 2,
  },
);

function pathMutations(): fc.Arbitrary<Mutation> {
  const segment = fc.tuple(fc.nat(), hostileSegment).map(([pick, { tag, seg }]): Mutation => (d) => {
    if (!d.path.startsWith('/')) return d; // absolute-form URL: its host is not a path segment
    const parts = d.path.split('/');
    // Prefer a parameter's position; otherwise any segment after the first.
    const paramIdx = d.route.url.split('/').flatMap((p, i) => (p.startsWith(':') || p === '*' ? [i] : []));
    const idx = paramIdx.length > 0 ? paramIdx[pick % paramIdx.length] : 1 + (pick % Math.max(1, parts.length - 1));
    parts[Math.min(idx, parts.length - 1)] = seg;
    return { ...d, path: parts.join('/'), tags: [...d.tags, tag] };
  });
  const shape = fc
    .constantFrom(
      (p: string) => `${p}/`,
      (p: string) => `/${p}`,
      (p: string) => p.replace(/\//g, '//'),
      (p: string) => p.toUpperCase(),
      (p: string) => `${p}/extra/segments`,
      (p: string) => p.split('/').slice(0, -1).join('/') || '/',
      (p: string) => `${p}/..`,
      (p: string) => `${p}/./`,
      (p: string) => `/v2${p}`,
      (p: string) => p.replace('/v1', ''),
      (p: string) => `${p}#fragment`,
      (p: string) => `${p}%`,
      (p: string) => `${p}%2F`,
      (p: string) => `http://evil.example${p}`,
      (p: string) => p.replace(/\//g, '\\'),
    )
    .map((f): Mutation => (d) => ({ ...d, path: f(d.path), tags: [...d.tags, 'path:shape'] }));
  return fc.oneof({ arbitrary: segment, weight: 3 }, { arbitrary: shape, weight: 1 });
}

const hostileQueryValue = fc.oneof(
  fc.constantFrom(
    'abc',
    '',
    'NaN',
    'Infinity',
    '-Infinity',
    '1e309',
    '-1',
    '0',
    '1.5',
    '0x1f',
    '1_000',
    '%20%203%20%20',
    '9'.repeat(400),
    '-0',
    '1e3',
    'true',
    'null',
    '[]',
    '{}',
  ),
  fc.constantFrom(...BAD_PERCENT),
  hostileText.filter((s) => s.length <= 20_001).map(encodeSegment),
);

function queryMutations(): fc.Arbitrary<Mutation> {
  const onParam = (tag: string, f: (q: Array<[string, string]>, pick: number, value: string) => Array<[string, string]>) =>
    fc.tuple(fc.nat(), hostileQueryValue).map(([pick, value]): Mutation => (d) => {
      const names = d.route.params.filter((p) => p.in === 'query').map((p) => p.name);
      const query = f(d.query, pick, value);
      if (query.length === 0 && names.length > 0) query.push([names[pick % names.length], value]);
      return { ...d, query, tags: [...d.tags, tag] };
    });
  const paramName = (d: Draft, pick: number) => {
    const names = d.route.params.filter((p) => p.in === 'query').map((p) => p.name);
    return names.length > 0 ? names[pick % names.length] : 'n';
  };
  const replace = onParam('query:hostile-value', (q, pick, value) =>
    q.length === 0 ? [] : q.map(([k, v], i) => [k, i === pick % q.length ? value : v]),
  );
  const duplicate = fc.tuple(fc.nat(), hostileQueryValue).map(([pick, value]): Mutation => (d) => ({
    ...d,
    query: [...d.query, [paramName(d, pick), value], [paramName(d, pick), encodeURIComponent(String(pick % 7))]],
    tags: [...d.tags, 'query:duplicate'],
  }));
  const oddKey = fc
    .constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      'hasOwnProperty',
      'toString',
      'unknown',
      'n[]',
      'n[0]',
      'a[b][c]',
      '__proto__[x]',
      '',
      '%zz',
      '%00',
      'x'.repeat(2_000),
    )
    .map((key): Mutation => (d) => ({ ...d, query: [...d.query, [key, '1']], tags: [...d.tags, 'query:odd-key'] }));
  const rawTail = fc
    .constantFrom('?', '?&&&', '?=', '?n', '?n=', '?=1', `?${'a=1&'.repeat(2_000)}`, '?n=1;n=2', '??n=1', '?n=1#x', '?%', '?n=%')
    .map((tail): Mutation => (d) => ({ ...d, query: [], path: d.path + tail, tags: [...d.tags, 'query:raw'] }));
  return fc.oneof(
    { arbitrary: replace, weight: 4 },
    { arbitrary: duplicate, weight: 2 },
    { arbitrary: oddKey, weight: 2 },
    { arbitrary: rawTail, weight: 1 },
  );
}

/** Methods inject accepts; a socket also carries the unknown ones (see socket mutations). */
const METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
  'SEARCH',
  'MKCOL',
  'LOCK',
  'PURGE',
  'REPORT',
];

const methodMutation = fc.constantFrom(...METHODS).map((method): Mutation => (d) => ({ ...d, method, tags: [...d.tags, 'method:other'] }));

function headerMutations(): fc.Arbitrary<Mutation> {
  return fc
    .constantFrom<Array<[string, string | string[]]>>(
      [['content-type', ['application/json', 'text/plain']]],
      [['accept', 'text/html']],
      [['accept', '*/*;q=abc']],
      [['accept-encoding', 'gzip, br, zstd']],
      [['accept-language', 'x'.repeat(3_000)]],
      [['x-forwarded-for', '999.999.999.999, ::ffff:1.2.3.4, garbage']],
      [['x-request-id', '\u0001\u0002']],
      [['cookie', 'a=b; __proto__=c']],
      [['origin', 'https://evil.example']],
      [
        ['origin', 'null'],
        ['access-control-request-method', 'DELETE'],
      ],
      [['range', 'bytes=0-1,5-2']],
      [['if-none-match', '*']],
      [['user-agent', '\uD800']],
    )
    .map((pairs): Mutation => (d) => {
      const headers = { ...d.headers };
      for (const [k, v] of pairs) headers[k] = v;
      return { ...d, headers, tags: [...d.tags, 'header:odd'] };
    });
}

function render(d: Draft): HostileRequest {
  const query = d.query.map(([k, v]) => `${k}=${v}`).join('&');
  const url = query ? `${d.path}${d.path.includes('?') ? '&' : '?'}${query}` : d.path;
  const body = d.body.kind === 'none' ? undefined : d.body.kind === 'raw' ? d.body.data : toJsonText(d.body.value);
  return { route: routeLabel(d.route), method: d.method, url, headers: d.headers, body, tags: d.tags.length > 0 ? d.tags : ['valid'] };
}

/**
 * Requests for every route, equally often per documented route (hidden ones — Swagger UI's pages — a quarter as often):
 * a quarter valid as generated from the contract, the rest with one to three mutations.
 */
export function hostileRequests(routes: RouteSpec[], options: GeneratorOptions): fc.Arbitrary<HostileRequest> {
  const drafts = fc.oneof(...routes.map((r) => ({ arbitrary: draftArb(r, options.vocabulary), weight: r.documented ? 4 : 1 })));
  const mutation = fc.oneof(
    { arbitrary: bodyMutations(options), weight: 6 },
    { arbitrary: pathMutations(), weight: 3 },
    { arbitrary: queryMutations(), weight: 3 },
    { arbitrary: contentTypeMutation(), weight: 2 },
    { arbitrary: unwantedBody, weight: 1 },
    { arbitrary: methodMutation, weight: 2 },
    { arbitrary: headerMutations(), weight: 1 },
  );
  const mutations = fc.oneof(
    { arbitrary: fc.constant([] as Mutation[]), weight: 1 },
    { arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }), weight: 3 },
  );
  return fc.tuple(drafts, mutations).map(([draft, ms]) => render(ms.reduce((d, m) => m(d), draft)));
}

// ---------------------------------------------------------------------------------------------------------
// Socket-only cases

/** The request as bytes on the wire (Connection: close; header arrays repeated; Content-Length from the body). */
export function rawRequest(
  req: HostileRequest,
  options: { host?: string; extraLines?: string[]; requestLine?: string; contentLength?: boolean } = {},
): Buffer {
  const lines = [options.requestLine ?? `${req.method} ${req.url} HTTP/1.1`, `Host: ${options.host ?? '127.0.0.1'}`, 'Connection: close'];
  for (const [name, value] of Object.entries(req.headers))
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
  const body = req.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
  if (req.body !== undefined && options.contentLength !== false) lines.push(`Content-Length: ${body.length}`);
  lines.push(...(options.extraLines ?? []));
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), body]);
}

type SocketCase = (req: HostileRequest) => { tag: string; raw: Buffer };

const SOCKET_CASES: SocketCase[] = [
  (r) => ({ tag: 'socket:plain', raw: rawRequest(r) }),
  (r) => ({ tag: 'socket:header-overflow', raw: rawRequest(r, { extraLines: [`X-Fuzz: ${'h'.repeat(17 * 1024)}`] }) }),
  (r) => ({
    tag: 'socket:header-overflow',
    raw: rawRequest(r, { extraLines: Array.from({ length: 1_500 }, (_, i) => `X-H${i}: ${'v'.repeat(12)}`) }),
  }),
  (r) => ({
    tag: 'socket:url-overflow',
    raw: rawRequest({ ...r, url: `${r.url}${r.url.includes('?') ? '&' : '?'}pad=${'q'.repeat(20_000)}` }),
  }),
  (r) => ({ tag: 'socket:raw-utf8-path', raw: rawRequest({ ...r, url: `${r.url.split('?')[0]}/é😀` }) }),
  (r) => ({ tag: 'socket:raw-control-path', raw: rawRequest({ ...r, url: `${r.url.split('?')[0]}\u0001x` }) }),
  (r) => ({ tag: 'socket:raw-space-path', raw: rawRequest({ ...r, url: `${r.url.split('?')[0]}/a b` }) }),
  (r) => ({ tag: 'socket:unknown-method', raw: rawRequest({ ...r, method: 'FOO' }) }),
  (r) => ({ tag: 'socket:unknown-method', raw: rawRequest({ ...r, method: r.method.toLowerCase() }) }),
  (r) => ({ tag: 'socket:bad-request-line', raw: rawRequest(r, { requestLine: `${r.method} ${r.url} HTTP/9.9` }) }),
  (r) => ({ tag: 'socket:bad-request-line', raw: rawRequest(r, { requestLine: `${r.method} ${r.url}` }) }),
  (r) => ({ tag: 'socket:bad-request-line', raw: rawRequest(r, { requestLine: `${r.method}  ${r.url}  HTTP/1.1` }) }),
  (r) => ({ tag: 'socket:bad-request-line', raw: rawRequest(r, { requestLine: `${r.url} HTTP/1.1` }) }),
  () => ({
    tag: 'socket:garbage',
    raw: Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a]),
  }),
  // Empty lines before the request line are tolerated (RFC 9112 §2.2); the request after them is served.
  (r) => ({ tag: 'socket:leading-crlf', raw: Buffer.concat([Buffer.from('\r\n\r\n'), rawRequest(r)]) }),
  () => ({ tag: 'socket:garbage', raw: Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n') }),
  (r) => ({ tag: 'socket:bad-header', raw: rawRequest(r, { extraLines: ['NoColonHere'] }) }),
  (r) => ({ tag: 'socket:bad-header', raw: rawRequest(r, { extraLines: ['Bad Name: x'] }) }),
  (r) => ({ tag: 'socket:bad-header', raw: rawRequest(r, { extraLines: ['X-Nul: a\u0000b'] }) }),
  (r) => ({ tag: 'socket:bad-header', raw: rawRequest(r, { extraLines: ['X-Folded: a', ' continued'] }) }),
  (r) => ({ tag: 'socket:bad-header', raw: rawRequest(r, { extraLines: ['X-Raw: \u00e9\u00ff'] }) }),
  (r) => ({ tag: 'socket:cl-and-te', raw: rawRequest(r, { extraLines: ['Transfer-Encoding: chunked'] }) }),
  (r) => ({ tag: 'socket:double-cl', raw: rawRequest({ ...r, body: r.body ?? '{}' }, { extraLines: ['Content-Length: 1'] }) }),
  (r) => ({ tag: 'socket:bad-cl', raw: rawRequest(r, { contentLength: false, extraLines: ['Content-Length: -1'] }) }),
  (r) => ({ tag: 'socket:bad-cl', raw: rawRequest(r, { contentLength: false, extraLines: ['Content-Length: abc'] }) }),
  // Content-Length shorter than the body: the rest reads as a second (pipelined) request, refused or ignored.
  (r) => ({
    tag: 'socket:short-cl',
    raw: Buffer.concat([
      rawRequest({ ...r, body: undefined }, { extraLines: ['Content-Length: 2'] }),
      Buffer.from('{}GET / HTTP/1.1\r\n\r\n'),
    ]),
  }),
  (r) => {
    const body = typeof r.body === 'string' ? r.body : '{}';
    const chunked = `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    return {
      tag: 'socket:chunked',
      raw: Buffer.concat([rawRequest({ ...r, body: undefined }, { extraLines: ['Transfer-Encoding: chunked'] }), Buffer.from(chunked)]),
    };
  },
  (r) => ({
    tag: 'socket:bad-chunked',
    raw: Buffer.concat([
      rawRequest({ ...r, body: undefined }, { extraLines: ['Transfer-Encoding: chunked'] }),
      Buffer.from('zz\r\n{}\r\n0\r\n\r\n'),
    ]),
  }),
  (r) => ({
    tag: 'socket:bad-chunked',
    raw: Buffer.concat([
      rawRequest({ ...r, body: undefined }, { extraLines: ['Transfer-Encoding: chunked, gzip'] }),
      Buffer.from('2\r\n{}\r\n0\r\n\r\n'),
    ]),
  }),
  (r) => ({
    tag: 'socket:http10',
    raw: Buffer.from(
      rawRequest(r, { requestLine: `${r.method} ${r.url} HTTP/1.0` })
        .toString('latin1')
        .replace(/Host: [^\r]*\r\n/, ''),
      'latin1',
    ),
  }),
  (r) => ({
    tag: 'socket:absolute-form',
    raw: rawRequest(r, { requestLine: `${r.method} http://127.0.0.1${r.url.startsWith('/') ? '' : '/'}${r.url} HTTP/1.1` }),
  }),
  (r) => ({ tag: 'socket:asterisk-form', raw: rawRequest(r, { requestLine: 'OPTIONS * HTTP/1.1' }) }),
  (r) => ({ tag: 'socket:bad-host', raw: rawRequest(r, { host: 'x'.repeat(300) + ':99999' }) }),
  (r) => ({ tag: 'socket:expect', raw: rawRequest(r, { extraLines: ['Expect: 100-continue'] }) }),
  (r) => ({ tag: 'socket:expect', raw: rawRequest(r, { extraLines: ['Expect: the-unexpected'] }) }),
];

/** Requests over a socket: the generated request written faithfully, or with a mutation only the wire can carry. */
export function socketRequests(routes: RouteSpec[], options: GeneratorOptions): fc.Arbitrary<HostileRequest> {
  return fc
    .tuple(
      hostileRequests(routes, options),
      fc.oneof(
        { arbitrary: fc.constant(0), weight: SOCKET_CASES.length },
        { arbitrary: fc.nat(SOCKET_CASES.length - 1), weight: SOCKET_CASES.length },
      ),
    )
    .map(([req, which]) => {
      // Header values inject allowed but the wire cannot carry as text (arrays stay: they become repeated lines).
      const { tag, raw } = SOCKET_CASES[which](req);
      return { ...req, tags: [...req.tags.filter((t) => t !== 'valid'), tag], raw };
    });
}
