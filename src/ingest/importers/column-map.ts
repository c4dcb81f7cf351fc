import { CurioError, problemsFromZod, type Event, type EventType } from '../../core/index.js';
import { eventContextSchema, eventFromInput, eventInputSchema } from '../schemas.js';
import { isoToMs, RowError } from './row-error.js';
import type { TimestampUnit } from './types.js';

const TOP_FIELDS = ['id', 'userId', 'itemId', 'type', 'value', 'timestamp', 'sessionId', 'context'] as const;
const CONTEXT_FIELDS = Object.keys(eventContextSchema.shape);
/** Event fields a column can feed; `context` takes a whole JSON object, `context.position` one field. */
export const MAPPABLE_FIELDS: readonly string[] = [...TOP_FIELDS, ...CONTEXT_FIELDS.map((f) => `context.${f}`)];
const NUMERIC = new Set(['value', 'context.position', 'context.propensity']);

/** Parses `userId=user_col,itemId=item,...` into event field → source column; unknown fields are errors. */
export function parseColumnMap(spec: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf('=');
    const field = eq < 0 ? '' : pair.slice(0, eq).trim();
    const column = eq < 0 ? '' : pair.slice(eq + 1).trim();
    if (!field || !column) throw new CurioError('BAD_INPUT', `--map entry "${pair}" is not field=column`);
    if (!MAPPABLE_FIELDS.includes(field))
      throw new CurioError('BAD_INPUT', `--map: "${field}" is not an event field; use one of ${MAPPABLE_FIELDS.join(', ')}`);
    map[field] = column;
  }
  return map;
}

export interface RowMapperOptions {
  format: string;
  sourceName: string;
  map: Record<string, string>;
  timestampUnit: TimestampUnit;
  /** Type of every row when no column carries it. */
  eventType?: EventType;
  /** Source columns present (csv header); unmapped fields read the column of their own name when present. */
  columns?: readonly string[];
}

/** A field's source column: the mapped one, else its own name when the source has it. */
function resolve(options: RowMapperOptions): Map<string, string> {
  const resolved = new Map<string, string>();
  for (const field of MAPPABLE_FIELDS) {
    const column = options.map[field] ?? field;
    if (options.map[field] !== undefined || !options.columns || options.columns.includes(column)) resolved.set(field, column);
  }
  if (options.columns) {
    const missing = Object.entries(options.map).filter(([, c]) => !options.columns?.includes(c));
    if (missing.length)
      throw new CurioError('BAD_INPUT', `--map names column(s) not in the header: ${missing.map(([, c]) => `"${c}"`).join(', ')}`);
  }
  return resolved;
}

function convertTimestamp(raw: unknown, unit: TimestampUnit): unknown {
  if (raw === '' || raw === undefined || raw === null) return raw;
  if (unit === 'iso') {
    const ms = typeof raw === 'string' ? isoToMs(raw) : NaN;
    return Number.isNaN(ms) ? raw : ms; // the schema explains a non-ISO value
  }
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (Number.isNaN(n)) return raw; // let the schema explain why it is not a time
  return unit === 's' ? Math.round(n * 1000) : n;
}

function parseJsonCell(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RowError(`context "${text.slice(0, 40)}" is not a JSON object`);
  }
}

/**
 * Builds `row → Event` for tabular/JSON rows: picks the mapped fields, converts units, and validates
 * through the API's `eventInputSchema`, so an imported event obeys the same rules as a posted one.
 */
export function createRowMapper(options: RowMapperOptions): (get: (column: string) => unknown, line: number) => Event {
  const columns = resolve(options);
  if (!columns.has('type') && !options.eventType)
    throw new CurioError('BAD_INPUT', 'no event type: map a column with --map type=<column> or pass --event-type');
  const entries = [...columns.entries()];
  const idPrefix = `${options.format}:${options.sourceName}:`;
  const fromText = options.columns !== undefined; // csv cells are strings; "" means absent
  return (get, line) => {
    const input: Record<string, unknown> = {};
    const context: Record<string, unknown> = {};
    for (const [field, column] of entries) {
      let v = get(column);
      if (v === undefined || (fromText && v === '')) continue;
      if (field === 'timestamp') v = convertTimestamp(v, options.timestampUnit);
      else if (fromText && NUMERIC.has(field)) v = Number(v);
      else if (fromText && field === 'context') v = parseJsonCell(v as string);
      if (field.startsWith('context.')) context[field.slice(8)] = v;
      else input[field] = v;
    }
    if (Object.keys(context).length) input.context = { ...(input.context as object | undefined), ...context };
    input.id ??= `${idPrefix}${line}`;
    input.type ??= options.eventType;
    const parsed = eventInputSchema.safeParse(input);
    if (!parsed.success)
      throw new RowError(
        problemsFromZod(parsed.error)
          .map((p) => `${p.path}: ${p.message}`)
          .join('; '),
      );
    return eventFromInput(parsed.data);
  };
}
