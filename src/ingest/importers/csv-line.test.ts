import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { splitCsvRecord } from './csv-line.js';

/** Writes fields as RFC 4180 CSV, quoting when needed (and sometimes when not). */
function toCsv(fields: string[], delimiter: string, quoteAll: boolean): string {
  return fields.map((f) => (quoteAll || /["\n]/.test(f) || f.includes(delimiter) ? `"${f.replaceAll('"', '""')}"` : f)).join(delimiter);
}

describe('splitCsvRecord', () => {
  it('agrees with csv-parse (the reference) on generated records', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'b', ',', ';', '"', ' ', '\n', 'é') });
    fc.assert(
      fc.property(
        fc.array(field, { minLength: 1, maxLength: 6 }),
        fc.constantFrom(',', ';'),
        fc.boolean(),
        (fields, delimiter, quoteAll) => {
          const text = toCsv(fields, delimiter, quoteAll);
          const expected = parse(text, { delimiter, relax_column_count: true }) as string[][];
          // csv-parse drops an empty record; ours splits "" into one empty field.
          expect(splitCsvRecord(text, delimiter)).toEqual(expected[0] ?? ['']);
        },
      ),
      { seed: 7, numRuns: 500 },
    );
  });

  it('returns null while a quoted field is open, so the next line can be appended', () => {
    expect(splitCsvRecord('a,"b', ',')).toBeNull();
    expect(splitCsvRecord('a,"b\nc",d', ',')).toEqual(['a', 'b\nc', 'd']);
  });

  it('rejects stray quotes', () => {
    expect(() => splitCsvRecord('a,b"c', ',')).toThrow(/quote inside an unquoted field/);
    expect(() => splitCsvRecord('"a"b,c', ',')).toThrow(/after a closing quote/);
  });
});
