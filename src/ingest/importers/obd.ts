import { createHash } from 'node:crypto';
import { basename, sep } from 'node:path';
import { CurioError, type Event } from '../../core/index.js';
import { lineSource } from './line-source.js';
import { integerId, isoTime, RowError } from './row-error.js';
import { readSideFile, sideFile } from './side-file.js';
import { makeEvent, type Importer, type ItemSeed } from './types.js';

const POLICIES = ['random', 'bts'];
const REQUIRED = ['', 'timestamp', 'item_id', 'position', 'click', 'propensity_score'];

function detectPolicy(file: string, given: string | undefined): string {
  if (given) return given;
  const found = file.split(sep).find((part) => POLICIES.includes(part));
  if (!found) throw new CurioError('BAD_INPUT', `cannot tell the logging policy of ${file} from its path; pass --policy random|bts`);
  return found;
}

/** item_context.csv (`,item_id,item_feature_0..3`): features become item attributes. */
function itemContextSeeds(path: string): ItemSeed[] {
  const [header, ...rows] = readSideFile(path)
    .split('\n')
    .map((l) => l.replace(/\r$/, ''));
  const names = header.split(',');
  const idCol = names.indexOf('item_id');
  if (idCol < 0) throw new CurioError('BAD_INPUT', `${basename(path)}: no item_id column`);
  return rows
    .filter((r) => r.trim() !== '')
    .map((row) => {
      const cols = row.split(',');
      const attributes: Record<string, unknown> = {};
      names.forEach((n, i) => {
        if (n.startsWith('item_feature_')) attributes[n] = cols[i] !== '' && !Number.isNaN(Number(cols[i])) ? Number(cols[i]) : cols[i];
      });
      return { id: cols[idCol], attributes };
    });
}

/** One user per combination of the hashed user features: OBD has no user ids. */
function userKey(cols: string[], featureCols: number[]): string {
  const h = createHash('sha1');
  for (const c of featureCols) h.update(cols[c] + '|');
  return `obd-user:${h.digest('hex').slice(0, 16)}`;
}

/**
 * Open Bandit Dataset `{random,bts}/<campaign>/<campaign>.csv`: every row is an impression with its slot
 * (OBD 1..3 → context.position 0..2) and the logging policy's propensity, plus a click event when clicked.
 */
export const obdImporter: Importer = {
  id: 'obd',
  summary: 'Open Bandit Dataset {random,bts}/<campaign>/<campaign>.csv: impressions (+ clicks) with propensities',
  options: ['policy', 'attributesFile', 'sourceName'],
  async open(file, options) {
    const policy = detectPolicy(file, options.policy);
    const campaign = basename(file).replace(/\.[^.]*$/, '');
    const context = sideFile(file, options.attributesFile, () => 'item_context.csv');
    const prefix = `obd:${policy}:${options.sourceName}:`;
    let col: Record<string, number> = {};
    let featureCols: number[] = [];
    let width = 0;
    return lineSource(file, {
      catalogue: context ? itemContextSeeds(context) : [],
      header: {
        checkHeader(text) {
          const names = text.split(',');
          const missing = REQUIRED.filter((n) => !names.includes(n));
          if (missing.length)
            throw new CurioError('BAD_INPUT', `not an Open Bandit Dataset file: no column(s) ${missing.map((m) => `"${m}"`).join(', ')}`);
          col = Object.fromEntries(names.map((n, i) => [n, i]));
          featureCols = names.flatMap((n, i) => (n.startsWith('user_feature_') ? [i] : []));
          width = names.length;
        },
      },
      parse(text, line) {
        const cols = text.split(',');
        if (cols.length !== width) throw new RowError(`expected ${width} columns, found ${cols.length}`);
        const index = integerId(cols[col['']], 'row index');
        const itemId = integerId(cols[col.item_id], 'item id');
        const position = Number(integerId(cols[col.position], 'position'));
        if (position < 1) throw new RowError(`position "${position}" is not 1-based`);
        const click = cols[col.click];
        if (click !== '0' && click !== '1') throw new RowError(`click "${click}" is not 0 or 1`);
        const propensity = Number(cols[col.propensity_score]);
        if (!(propensity > 0 && propensity <= 1)) throw new RowError(`propensity_score "${cols[col.propensity_score]}" is not in (0, 1]`);
        const base = { userId: userKey(cols, featureCols), itemId, timestamp: isoTime(cols[col.timestamp]) };
        const ctx = { position: position - 1, propensity, policy, recommendationId: `obd:${policy}:${campaign}:${index}` };
        const events: Event[] = [makeEvent({ ...base, id: `${prefix}${line}:impression`, type: 'impression', context: ctx })];
        if (click === '1') events.push(makeEvent({ ...base, id: `${prefix}${line}:click`, type: 'click', context: ctx }));
        return { events, items: [{ id: itemId }] };
      },
    });
  },
};
