import { CurioError, type Event } from '../../core/index.js';
import { lineSource } from './line-source.js';
import { integerId, RowError } from './row-error.js';
import { readSideFile, sideFile } from './side-file.js';
import { makeEvent, type Importer, type ItemSeed } from './types.js';

/** The files have order but no times: event k of every user is placed at BASE + k days (UTC). */
export const SEQUENCE_BASE_MS = Date.UTC(2020, 0, 1);
const DAY_MS = 24 * 3600 * 1000;
/** Item.categoryPath holds at most 20 entries (API schema); all ids stay in attributes.attributeIds. */
const MAX_CATEGORIES = 20;

/** Parses `{ "<item>": [attr, ...] }` into item seeds: distinct attribute ids as categories. */
function attributeSeeds(path: string): Map<string, ItemSeed> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readSideFile(path));
  } catch (cause) {
    if (cause instanceof CurioError) throw cause;
    throw new CurioError('BAD_INPUT', `${path} is not JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CurioError('BAD_INPUT', `${path}: expected an object of item id → attribute id list`);
  }
  const seeds = new Map<string, ItemSeed>();
  for (const [id, attrs] of Object.entries(parsed)) {
    if (!Array.isArray(attrs)) throw new CurioError('BAD_INPUT', `${path}: attributes of item "${id}" are not a list`);
    const distinct = [...new Set(attrs.map(String))];
    seeds.set(id, { id, categoryPath: distinct.slice(0, MAX_CATEGORIES), attributes: { attributeIds: distinct } });
  }
  return seeds;
}

/** `user item item ...` per line, items in time order (S3-Rec Beauty.txt, LastFM.txt). */
export const sequencesImporter: Importer = {
  id: 'sequences',
  summary: 'one user per line "user item item ..." in time order (+ <name>_item2attributes.json as categories)',
  options: ['attributesFile', 'eventType', 'sourceName'],
  async open(file, options) {
    const attrs = sideFile(file, options.attributesFile, (base) => `${base.replace(/\.[^.]*$/, '')}_item2attributes.json`);
    const known = attrs ? attributeSeeds(attrs) : new Map<string, ItemSeed>();
    const type = options.eventType ?? 'review';
    const prefix = `sequences:${options.sourceName}:`;
    return lineSource(file, {
      catalogue: [...known.values()],
      parse(text, line) {
        const tokens = text.trim().split(/\s+/);
        const userId = integerId(tokens[0], 'user id');
        if (tokens.length < 2) throw new RowError(`user ${userId} has no items`);
        const events: Event[] = [];
        const items: ItemSeed[] = [];
        for (let k = 1; k < tokens.length; k++) {
          const itemId = integerId(tokens[k], `item id at position ${k}`);
          events.push(makeEvent({ id: `${prefix}${line}:${k}`, userId, itemId, type, timestamp: SEQUENCE_BASE_MS + (k - 1) * DAY_MS }));
          items.push(known.get(itemId) ?? { id: itemId });
        }
        return { events, items };
      },
    });
  },
};
