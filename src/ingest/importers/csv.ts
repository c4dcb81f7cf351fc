import { CurioError } from '../../core/index.js';
import { createRowMapper } from './column-map.js';
import { splitCsvRecord } from './csv-line.js';
import { readLines } from './line-reader.js';
import { RowError } from './row-error.js';
import type { Importer, RowOutcome } from './types.js';

/** A quoted field may span lines, but not without end: a stray quote must not swallow the file. */
const MAX_RECORD_LINES = 1000;

/** Generic CSV with a header row; columns feed event fields through `--map` (see column-map.ts). */
export const csvImporter: Importer = {
  id: 'csv',
  summary: 'any CSV with a header; --map field=column, --timestamp-unit s|ms|iso, --delimiter',
  options: ['map', 'timestampUnit', 'delimiter', 'eventType', 'sourceName'],
  async open(file, options) {
    const delimiter = options.delimiter ?? ',';
    const reader = readLines(file);
    const chunks = reader.chunks[Symbol.asyncIterator]();
    const first = await chunks.next();
    const headerText = first.done ? undefined : first.value.lines[0];
    if (headerText === undefined || headerText.trim() === '')
      throw new CurioError('BAD_INPUT', `${options.sourceName}: the first line must be a header`);
    const header = (splitCsvRecord(headerText, delimiter) ?? []).map((h) => h.trim());
    const toEvent = createRowMapper({
      format: 'csv',
      sourceName: options.sourceName,
      map: options.map ?? {},
      timestampUnit: options.timestampUnit ?? 'ms',
      eventType: options.eventType,
      columns: header,
    });
    const index = new Map(header.map((h, i) => [h, i]));
    const toOutcome = (record: string[], line: number): RowOutcome => {
      if (record.length !== header.length) return { line, reason: `expected ${header.length} columns, found ${record.length}` };
      try {
        return { line, events: [toEvent((c) => record[index.get(c) ?? -1], line)], items: [] };
      } catch (error) {
        if (!(error instanceof RowError)) throw error;
        return { line, reason: error.message };
      }
    };
    async function* rows(): AsyncGenerator<RowOutcome[]> {
      type OpenRecord = { line: number; text: string; lines: number };
      let open = null as OpenRecord | null;
      let chunk = first.done ? undefined : { firstLine: first.value.firstLine + 1, lines: first.value.lines.slice(1) };
      while (chunk) {
        const out: RowOutcome[] = [];
        for (let i = 0; i < chunk.lines.length; i++) {
          const line = chunk.firstLine + i;
          const text: string = open ? `${open.text}\n${chunk.lines[i]}` : chunk.lines[i];
          const start: number = open ? open.line : line;
          if (!open && text.trim() === '') continue;
          let record: string[] | null;
          try {
            record = splitCsvRecord(text, delimiter);
          } catch (error) {
            if (!(error instanceof RowError)) throw error;
            out.push({ line: start, reason: error.message });
            open = null;
            continue;
          }
          if (record === null) {
            const lines: number = (open?.lines ?? 0) + 1;
            open = { line: start, text, lines };
            if (lines >= MAX_RECORD_LINES)
              throw new CurioError(
                'BAD_INPUT',
                `${options.sourceName}:${start}: a quoted field is not closed within ${MAX_RECORD_LINES} lines`,
              );
            continue;
          }
          open = null;
          out.push(toOutcome(record, start));
        }
        yield out;
        const next = await chunks.next();
        chunk = next.done ? undefined : next.value;
      }
      if (open) yield [{ line: open.line, reason: 'a quoted field is not closed before the end of the file' }];
    }
    return { catalogue: [], rows: rows(), bytesRead: reader.bytesRead, totalBytes: reader.totalBytes };
  },
};
