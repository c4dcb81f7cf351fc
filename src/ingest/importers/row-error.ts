import { CurioError, EVENT_TYPES, type EventType } from '../../core/index.js';

/** Thrown by a row parser for a row it cannot read; the runner reports it as `file:line: message`. */
export class RowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RowError';
  }
}

/** A day of clock skew, as in the API schema: later means a unit mix-up. */
const MAX_FUTURE_MS = 24 * 3600 * 1000;
const INTEGER = /^\d+$/;

/** A non-negative integer id kept as its decimal string ("007" is rejected: ids are compared as text). */
export function integerId(raw: string | undefined, what: string): string {
  if (raw === undefined || raw === '') throw new RowError(`${what} is missing`);
  if (!INTEGER.test(raw) || (raw.length > 1 && raw[0] === '0')) throw new RowError(`${what} "${raw}" is not an integer`);
  return raw;
}

/** A non-empty id of at most 256 characters, as the API accepts. */
export function textId(raw: string | undefined, what: string): string {
  if (raw === undefined || raw === '') throw new RowError(`${what} is missing`);
  if (raw.length > 256) throw new RowError(`${what} is longer than 256 characters`);
  return raw;
}

/** Checks an epoch-millisecond time: finite, not negative, at most a day in the future. */
export function checkedMs(ms: number, raw: string, what = 'timestamp'): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RowError(`${what} "${raw}" is not a valid time`);
  if (ms > Date.now() + MAX_FUTURE_MS) throw new RowError(`${what} "${raw}" is more than a day in the future`);
  return ms;
}

/** Unix seconds (integer or fractional) to epoch milliseconds. */
export function unixSeconds(raw: string | undefined, what = 'timestamp'): number {
  if (raw === undefined || raw === '') throw new RowError(`${what} is missing`);
  const s = Number(raw);
  if (Number.isNaN(s)) throw new RowError(`${what} "${raw}" is not a number of seconds`);
  return checkedMs(Math.round(s * 1000), raw, what);
}

const ISO = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Epoch ms of an ISO-8601 date or date-time ("T" or a space between), or NaN. A time without an offset is
 * UTC (Date.parse would read it as local time, so an import would depend on the machine's zone).
 */
export function isoToMs(raw: string): number {
  const m = ISO.exec(raw.trim());
  if (!m) return NaN;
  return Date.parse(m[2] ? `${m[1]}T${m[2]}${m[3] ?? 'Z'}` : m[1]);
}

/** An ISO-8601 date or date-time to epoch milliseconds (see isoToMs). */
export function isoTime(raw: string | undefined, what = 'timestamp'): number {
  if (raw === undefined || raw === '') throw new RowError(`${what} is missing`);
  const ms = isoToMs(raw);
  if (Number.isNaN(ms)) throw new RowError(`${what} "${raw}" is not an ISO-8601 date or time`);
  return checkedMs(ms, raw, what);
}

/** Splits a delimited line and checks the column count. */
export function splitColumns(text: string, delimiter: string, expected: number): string[] {
  const cols = text.split(delimiter);
  if (cols.length !== expected) throw new RowError(`expected ${expected} columns separated by "${delimiter}", found ${cols.length}`);
  return cols;
}

/** An event type by name, with the list of valid ones in the error. */
export function eventType(raw: string): EventType {
  if ((EVENT_TYPES as readonly string[]).includes(raw)) return raw as EventType;
  throw new RowError(`event type "${raw}" is not one of ${EVENT_TYPES.join(', ')}`);
}

/** Fails the whole file (not one row) when its header is not the expected one. */
export function expectHeader(format: string, expected: string): (text: string) => void {
  return (text) => {
    if (text.trim() !== expected) {
      throw new CurioError('BAD_INPUT', `not a ${format} file: expected the header "${expected}", found "${text.slice(0, 200)}"`);
    }
  };
}
