import { readLines } from './line-reader.js';
import { RowError } from './row-error.js';
import type { ItemSeed, RowContent, RowOutcome, RowSource } from './types.js';

export interface LineSourceOptions {
  /** The first line is a header: it is checked by `checkHeader` and yields no row. */
  header?: { checkHeader(text: string): void };
  catalogue?: ItemSeed[];
  /** Turns one non-blank line into events and items; throws RowError for a bad line. */
  parse(text: string, line: number): RowContent;
}

/**
 * A RowSource over a line-per-row file. Blank lines are skipped; a RowError becomes a bad row with its line,
 * any other exception is a bug and propagates.
 */
export function lineSource(file: string, options: LineSourceOptions): RowSource {
  const reader = readLines(file);
  async function* rows(): AsyncGenerator<RowOutcome[]> {
    for await (const chunk of reader.chunks) {
      const out: RowOutcome[] = [];
      for (let i = 0; i < chunk.lines.length; i++) {
        const line = chunk.firstLine + i;
        const text = chunk.lines[i];
        if (line === 1 && options.header) {
          options.header.checkHeader(text);
          continue;
        }
        if (text.trim() === '') continue;
        try {
          const { events, items } = options.parse(text, line);
          out.push({ line, events, items });
        } catch (error) {
          if (!(error instanceof RowError)) throw error;
          out.push({ line, reason: error.message });
        }
      }
      yield out;
    }
  }
  return { catalogue: options.catalogue ?? [], rows: rows(), bytesRead: reader.bytesRead, totalBytes: reader.totalBytes };
}
