import { RowError } from './row-error.js';

/**
 * Splits one CSV record (RFC 4180: fields may be quoted, "" is a literal quote, quoted fields may hold the
 * delimiter and newlines). Returns null when a quoted field is still open at the end of `text`, so the caller
 * can append the next line and try again. Unquoted lines take a fast path through String.split.
 */
export function splitCsvRecord(text: string, delimiter: string): string[] | null {
  if (!text.includes('"')) return text.split(delimiter);
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return null;
        value += text.slice(j, q);
        if (text[q + 1] === '"') {
          value += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === text.length) return fields;
      if (!text.startsWith(delimiter, i)) throw new RowError(`unexpected character after a closing quote at column ${i + 1}`);
      i += delimiter.length;
    } else {
      const d = text.indexOf(delimiter, i);
      const end = d < 0 ? text.length : d;
      const value = text.slice(i, end);
      if (value.includes('"')) throw new RowError(`a quote inside an unquoted field at column ${i + 1}`);
      fields.push(value);
      if (d < 0) return fields;
      i = d + delimiter.length;
    }
  }
}
