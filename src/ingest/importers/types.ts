import type { EpochMs, Event, EventType } from '../../core/index.js';

/** What an importer knows about an item; only the fields it sets are written (see items.ts). */
export interface ItemSeed {
  id: string;
  categoryPath?: string[];
  attributes?: Record<string, unknown>;
  createdAt?: EpochMs;
}

/** One source row turned into events (possibly none) and the items they refer to. */
export interface ParsedRow {
  /** 1-based line of the row in its file (the header is line 1 when there is one). */
  line: number;
  events: Event[];
  items: ItemSeed[];
}

/** What a row parser returns for a good row. */
export type RowContent = Omit<ParsedRow, 'line'>;

/** A row that could not be read; `reason` is what the user sees after `file:line:`. */
export interface BadRow {
  line: number;
  reason: string;
}

export type RowOutcome = ParsedRow | BadRow;

export function isBadRow(row: RowOutcome): row is BadRow {
  return (row as BadRow).reason !== undefined;
}

/** An opened file: a catalogue to upsert first, then rows in chunks (so per-row work stays synchronous). */
export interface RowSource {
  /** Items from a side file (attributes, item metadata), upserted before the first row. */
  catalogue: ItemSeed[];
  rows: AsyncIterable<RowOutcome[]>;
  /** Bytes of the main file consumed so far, for the progress estimate. */
  bytesRead(): number;
  totalBytes: number;
}

export const TIMESTAMP_UNITS = ['s', 'ms', 'iso'] as const;
export type TimestampUnit = (typeof TIMESTAMP_UNITS)[number];

/** Settings an importer may use; each importer lists the ones it reads in `options`. */
export interface ImporterOptions {
  /** Name used in event ids; defaults to the file's basename. */
  sourceName: string;
  /** Side file: item attributes / item metadata / item context, depending on the format. */
  attributesFile?: string;
  /** Event field → source column or key (csv, jsonl). */
  map?: Record<string, string>;
  timestampUnit?: TimestampUnit;
  /** Field separator for the generic csv format. */
  delimiter?: string;
  /** Event type for formats whose rows carry no behaviour. */
  eventType?: EventType;
  /** Open Bandit Dataset logging policy; detected from the path when absent. */
  policy?: string;
}

/** A file format Curio can import. One file per format in this folder, listed in registry.ts. */
export interface Importer {
  /** Stable format id used on the command line: `curio import <id> <path>`. */
  id: string;
  /** One line for `--help`. */
  summary: string;
  /** The ImporterOptions keys this format reads (shown in help and docs). */
  options: ReadonlyArray<keyof ImporterOptions>;
  open(file: string, options: ImporterOptions): Promise<RowSource>;
}

/** An event with the optional fields filled with their empty values. */
export function makeEvent(e: Pick<Event, 'id' | 'userId' | 'itemId' | 'type' | 'timestamp'> & Partial<Event>): Event {
  return { value: null, sessionId: null, context: {}, ...e };
}
