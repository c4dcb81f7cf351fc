import { createRowMapper } from './column-map.js';
import { lineSource } from './line-source.js';
import { RowError } from './row-error.js';
import type { Importer } from './types.js';

/** One JSON event per line, validated like a POST /v1/events item; `--map` renames keys. */
export const jsonlImporter: Importer = {
  id: 'jsonl',
  summary: 'one JSON event per line (API event shape); --map field=key, --timestamp-unit s|ms|iso',
  options: ['map', 'timestampUnit', 'eventType', 'sourceName'],
  async open(file, options) {
    const toEvent = createRowMapper({
      format: 'jsonl',
      sourceName: options.sourceName,
      map: options.map ?? {},
      timestampUnit: options.timestampUnit ?? 'ms',
      eventType: options.eventType,
    });
    return lineSource(file, {
      parse(text, line) {
        let row: unknown;
        try {
          row = JSON.parse(text);
        } catch (error) {
          throw new RowError(`not JSON: ${(error as Error).message}`);
        }
        if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new RowError('not a JSON object');
        const obj = row as Record<string, unknown>;
        const event = toEvent((key) => obj[key], line);
        return { events: [event], items: [] };
      },
    });
  },
};
