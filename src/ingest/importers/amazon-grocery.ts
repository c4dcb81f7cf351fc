import { basename } from 'node:path';
import { CurioError } from '../../core/index.js';
import { lineSource } from './line-source.js';
import { expectHeader, integerId, RowError, splitColumns, unixSeconds } from './row-error.js';
import { readSideFile, sideFile } from './side-file.js';
import { makeEvent, type Importer, type ItemSeed } from './types.js';

const META_HEADER = 'item_id\ti_category\tr_complement\tr_substitute';

function idList(raw: string, what: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new RowError(`${what} ${raw.slice(0, 40)} is not a list of ids`);
  }
  if (!Array.isArray(parsed) || !parsed.every((v) => Number.isInteger(v))) throw new RowError(`${what} is not a list of integer ids`);
  return parsed.map(String);
}

/** ReChorus item_meta.csv → seeds: category (0 = unknown → none), also-bought / also-viewed relations. */
function metaSeeds(path: string): ItemSeed[] {
  const lines = readSideFile(path).split('\n');
  expectHeader('ReChorus item_meta', META_HEADER)(lines[0].replace(/\r$/, ''));
  const seeds: ItemSeed[] = [];
  for (let i = 1; i < lines.length; i++) {
    const text = lines[i].replace(/\r$/, '');
    if (text.trim() === '') continue;
    try {
      const [id, category, complements, substitutes] = splitColumns(text, '\t', 4);
      const cat = integerId(category, 'category id');
      seeds.push({
        id: integerId(id, 'item id'),
        categoryPath: cat === '0' ? [] : [cat],
        attributes: { complements: idList(complements, 'r_complement'), substitutes: idList(substitutes, 'r_substitute') },
      });
    } catch (error) {
      if (error instanceof RowError) throw new CurioError('BAD_INPUT', `${basename(path)}:${i + 1}: ${error.message}`);
      throw error;
    }
  }
  return seeds;
}

/** ReChorus Amazon `train.csv` (`user_id\titem_id\ttime`, unix seconds) with `item_meta.csv` beside it. */
export const amazonGroceryImporter: Importer = {
  id: 'amazon-grocery',
  summary: 'ReChorus Amazon "user_id<TAB>item_id<TAB>time" (+ item_meta.csv: categories, also-bought/viewed)',
  options: ['attributesFile', 'eventType', 'sourceName'],
  async open(file, options) {
    const meta = sideFile(file, options.attributesFile, () => 'item_meta.csv');
    const catalogue = meta ? metaSeeds(meta) : [];
    const prefix = `amazon-grocery:${options.sourceName}:`;
    const type = options.eventType ?? 'review';
    return lineSource(file, {
      catalogue,
      header: { checkHeader: expectHeader('ReChorus interactions', 'user_id\titem_id\ttime') },
      parse(text, line) {
        const [user, item, time] = splitColumns(text, '\t', 3);
        const itemId = integerId(item, 'item id');
        const event = makeEvent({ id: `${prefix}${line}`, userId: integerId(user, 'user id'), itemId, type, timestamp: unixSeconds(time) });
        // The catalogue already wrote the meta items; a bare seed only creates items missing from it.
        return { events: [event], items: [{ id: itemId }] };
      },
    });
  },
};
